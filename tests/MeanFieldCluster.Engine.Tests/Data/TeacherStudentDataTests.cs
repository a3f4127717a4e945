using MeanFieldCluster.Engine.Activations;
using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Tests.Data;

public sealed class TeacherStudentDataTests
{
    private static TeacherSpec Teacher(string activation, ulong seed, int width = 3) => new(width, new ActivationSpec(activation), seed);

    [Fact]
    public void TheTeacherIsDeterminedByItsSeedAlone()
    {
        var first = new TeacherStudentData(5, Teacher(ActivationKinds.Tanh, 42), 0.1);
        var second = new TeacherStudentData(5, Teacher(ActivationKinds.Tanh, 42), 0.1);

        Assert.Equal(first.Directions.ToArray(), second.Directions.ToArray());
        Assert.Equal(first.OutputWeights.ToArray(), second.OutputWeights.ToArray());

        var rngA = RandomStreams.Create(1, RandomStreams.Purpose.Training);
        var rngB = RandomStreams.Create(1, RandomStreams.Purpose.Training);
        var xa = new double[5];
        var xb = new double[5];
        for (int m = 0; m < 50; m++)
        {
            Assert.Equal(first.Sample(ref rngA, xa), second.Sample(ref rngB, xb));
            Assert.Equal(xa, xb);
        }
    }

    [Fact]
    public void AnotherTeacherSeedGivesAnotherTeacher()
    {
        var first = new TeacherStudentData(5, Teacher(ActivationKinds.Relu, 42), 0.0);
        var other = new TeacherStudentData(5, Teacher(ActivationKinds.Relu, 43), 0.0);

        Assert.NotEqual(first.Directions.ToArray(), other.Directions.ToArray());
        Assert.NotEqual(first.OutputWeights.ToArray(), other.OutputWeights.ToArray());
    }

    [Fact]
    public void TheTeacherIsDrawnInTheDocumentedOrderDirectionsRowByRowThenOutputWeights()
    {
        const int d = 4, k = 3;
        var data = new TeacherStudentData(d, Teacher(ActivationKinds.Relu, 9, k), 0.0);

        var rng = RandomStreams.Create(9, RandomStreams.Purpose.Teacher);
        for (int j = 0; j < k; j++)
        {
            for (int i = 0; i < d; i++)
            {
                Assert.Equal(rng.NextGaussian() / Math.Sqrt(d), data.Direction(j)[i], 15);
            }
        }

        for (int j = 0; j < k; j++)
        {
            Assert.Equal(rng.NextGaussian(), data.OutputWeights[j]);
        }
    }

    [Fact]
    public void TeacherParametersHaveTheDocumentedVariances()
    {
        const int d = 50, k = 200;
        var data = new TeacherStudentData(d, Teacher(ActivationKinds.Relu, 5, k), 0.0);

        // E[u²] = 1/d with SE sqrt(2)/d/sqrt(kd); E[a²] = 1 with SE sqrt(2)/sqrt(k).
        double meanU2 = data.Directions.ToArray().Average(u => u * u);
        Assert.True(Math.Abs(meanU2 - (1.0 / d)) < 4 * Math.Sqrt(2) / d / Math.Sqrt(k * d), $"E[u²] = {meanU2}");
        double meanA2 = data.OutputWeights.ToArray().Average(a => a * a);
        Assert.True(Math.Abs(meanA2 - 1.0) < 4 * Math.Sqrt(2) / Math.Sqrt(k), $"E[a²] = {meanA2}");
    }

    [Fact]
    public void WithAnIdentityTeacherAndNoNoiseTheLabelIsExactlyTheInnerProductWithTheLinearCoefficients()
    {
        const int d = 7;
        var data = new TeacherStudentData(d, Teacher(ActivationKinds.Identity, 3, width: 5), 0.0);
        double[] theta = data.LinearCoefficients ?? throw new InvalidOperationException("identity teacher has coefficients");
        Assert.Equal(d, theta.Length);

        var rng = RandomStreams.Create(2, RandomStreams.Purpose.Training);
        var x = new double[d];
        for (int m = 0; m < 200; m++)
        {
            double y = data.Sample(ref rng, x);
            double inner = 0;
            for (int i = 0; i < d; i++)
            {
                inner += theta[i] * x[i];
            }

            Assert.Equal(inner, y);
        }
    }

    [Fact]
    public void TheLinearCoefficientsAreTheAverageOfTheOutputWeightedDirections()
    {
        var data = new TeacherStudentData(6, Teacher(ActivationKinds.Identity, 8, width: 4), 0.0);
        double[] theta = data.LinearCoefficients!;
        for (int i = 0; i < 6; i++)
        {
            double expected = 0;
            for (int j = 0; j < 4; j++)
            {
                expected += data.OutputWeights[j] * data.Direction(j)[i];
            }

            Assert.Equal(expected / 4, theta[i], 14);
        }
    }

    [Fact]
    public void ANonlinearTeacherHasNoLinearCoefficients()
    {
        Assert.Null(new TeacherStudentData(3, Teacher(ActivationKinds.Relu, 1), 0.0).LinearCoefficients);
        Assert.Null(new TeacherStudentData(3, Teacher(ActivationKinds.Tanh, 1), 0.0).LinearCoefficients);
    }

    [Fact]
    public void TheLinearCoefficientsAreACopyThatCallersCannotCorrupt()
    {
        var data = new TeacherStudentData(3, Teacher(ActivationKinds.Identity, 1), 0.0);
        double[] theta = data.LinearCoefficients!;
        theta[0] = 1e9;
        Assert.NotEqual(1e9, data.LinearCoefficients![0]);
    }

    [Fact]
    public void ATinyReluTeacherGivesTheHandComputedOutputs()
    {
        // u1 = (1, 0), u2 = (0.5, -1), a = (2, -1), k = 2.
        var data = new TeacherStudentData(2, [1.0, 0.0, 0.5, -1.0], [2.0, -1.0], new Relu(), 0.0);

        // x = (1, 2): <u1,x> = 1, <u2,x> = -1.5 -> (2·1 - 1·0) / 2 = 1.
        Assert.Equal(1.0, data.TeacherOutput([1.0, 2.0]), 15);

        // x = (-1, -3): <u1,x> = -1, <u2,x> = 2.5 -> (2·0 - 1·2.5) / 2 = -1.25.
        Assert.Equal(-1.25, data.TeacherOutput([-1.0, -3.0]), 15);
    }

    [Fact]
    public void ATinyTanhTeacherGivesTheHandComputedOutput()
    {
        // One neuron: u = (1, 0), a = 3, so teacher(x) = 3 tanh(x_1).
        var data = new TeacherStudentData(2, [1.0, 0.0], [3.0], new Tanh(), 0.0);
        Assert.Equal(3 * Math.Tanh(0.5), data.TeacherOutput([0.5, 9.0]), 15);
    }

    [Fact]
    public void ATinyIdentityTeacherHasTheHandComputedLinearCoefficients()
    {
        // u1 = e1, u2 = e2, a = (2, 4): θ* = (2 e1 + 4 e2) / 2 = (1, 2).
        var data = new TeacherStudentData(2, [1.0, 0.0, 0.0, 1.0], [2.0, 4.0], new Identity(), 0.0);
        Assert.Equal([1.0, 2.0], data.LinearCoefficients!);
        Assert.Equal(1.0 - 4.0, data.TeacherOutput([1.0, -2.0]));
    }

    [Fact]
    public void ASampleDrawsXFirstThenOneNoiseGaussian()
    {
        const int d = 3;
        const double noise = 0.25;
        var data = new TeacherStudentData(d, Teacher(ActivationKinds.Tanh, 4), noise);
        var rng = RandomStreams.Create(6, RandomStreams.Purpose.Training);
        var replay = RandomStreams.Create(6, RandomStreams.Purpose.Training);
        var x = new double[d];
        for (int m = 0; m < 20; m++)
        {
            double y = data.Sample(ref rng, x);
            var expectedX = new double[d];
            replay.FillGaussian(expectedX);
            double g = replay.NextGaussian();
            Assert.Equal(expectedX, x);
            Assert.Equal(data.TeacherOutput(expectedX) + (noise * g), y);
        }
    }

    [Fact]
    public void WithoutNoiseASampleDrawsOnlyTheDGaussiansOfX()
    {
        var data = new TeacherStudentData(3, Teacher(ActivationKinds.Relu, 4), 0.0);
        var rng = RandomStreams.Create(6, RandomStreams.Purpose.Training);
        var replay = RandomStreams.Create(6, RandomStreams.Purpose.Training);
        var x = new double[3];
        var expectedX = new double[3];
        for (int m = 0; m < 20; m++)
        {
            double y = data.Sample(ref rng, x);
            replay.FillGaussian(expectedX);
            Assert.Equal(expectedX, x);
            Assert.Equal(data.TeacherOutput(expectedX), y);
        }
    }

    [Fact]
    public void TheLabelNoiseVarianceIsRecovered()
    {
        const int d = 4, n = 40_000;
        const double noise = 0.5;
        var data = new TeacherStudentData(d, Teacher(ActivationKinds.Relu, 10), noise);
        var rng = RandomStreams.Create(7, RandomStreams.Purpose.Training);
        var x = new double[d];
        double sum = 0, sumSquares = 0;
        for (int m = 0; m < n; m++)
        {
            double r = data.Sample(ref rng, x) - data.TeacherOutput(x);
            sum += r;
            sumSquares += r * r;
        }

        // The residual is noise·g: mean 0 (SE noise/√n), E[r²] = noise² (SE √2 noise²/√n).
        Assert.True(Math.Abs(sum / n) < 4 * noise / Math.Sqrt(n), $"mean residual {sum / n}");
        double variance = sumSquares / n;
        Assert.True(Math.Abs(variance - (noise * noise)) < 4 * Math.Sqrt(2) * noise * noise / Math.Sqrt(n), $"residual variance {variance}");
    }

    [Fact]
    public void XIsStandardGaussian()
    {
        const int d = 3, n = 40_000;
        var data = new TeacherStudentData(d, Teacher(ActivationKinds.Relu, 10), 0.0);
        var rng = RandomStreams.Create(8, RandomStreams.Purpose.Training);
        var x = new double[d];
        var sumSquares = new double[d];
        for (int m = 0; m < n; m++)
        {
            data.Sample(ref rng, x);
            for (int i = 0; i < d; i++)
            {
                sumSquares[i] += x[i] * x[i];
            }
        }

        foreach (double s in sumSquares)
        {
            Assert.True(Math.Abs((s / n) - 1) < 4 * Math.Sqrt(2) / Math.Sqrt(n), $"E[x²] = {s / n}");
        }
    }

    [Fact]
    public void InvalidTeachersAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TeacherStudentData(3, Teacher(ActivationKinds.Relu, 1, width: 0), 0.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TeacherStudentData(3, Teacher(ActivationKinds.Relu, 1), -0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TeacherStudentData(3, Teacher(ActivationKinds.Relu, 1), double.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TeacherStudentData(0, Teacher(ActivationKinds.Relu, 1), 0.0));
        Assert.Throws<ArgumentException>(() => new TeacherStudentData(2, [1.0, 0.0, 1.0], [1.0, 2.0], new Relu(), 0.0));
        Assert.Throws<ArgumentException>(() => new TeacherStudentData(3, Teacher("no-such-activation", 1), 0.0));
    }
}

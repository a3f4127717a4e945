using MathNet.Numerics.LinearAlgebra;
using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;

namespace MeanFieldCluster.Engine.Tests.Observables;

public class OutputControlsTests
{
    // With c_j = ±σ (Rademacher), the average over all 2^N sign patterns is the exact expectation over c given
    // the rest of the network: both controls must average to 0 (to rounding). A wrong normalizer power, a
    // missing σ_c² or a sum over the wrong layer leaves a nonzero average.
    [Theory]
    [InlineData(new[] { 7 }, new[] { 1.0 })]
    [InlineData(new[] { 6 }, new[] { 0.5 })]
    [InlineData(new[] { 5, 6 }, new[] { 0.75, 0.6 })]
    [InlineData(new[] { 4, 3, 5 }, new[] { 1.0, 0.5, 0.8 })]
    public void BothControlsAverageToExactlyZeroOverTheOutputWeightSigns(int[] widths, double[] gamma)
    {
        const double sigma = 1.7;
        var init = new InitSpec(Kappa: 1.2, OutputMean: 0.0, OutputStd: sigma, BiasMean: 0.2, BiasStd: 0.4, HiddenMean: 0.1, HiddenStd: 1.0, OutputLaw: OutputLaws.Rademacher);
        ModelSpec model = TestSpecs.Model(Presets.Normalized, ActivationKinds.Tanh, bias: true, init: init, gamma: gamma);
        var rng = new Xoshiro256(11);
        MeanFieldNetwork network = MeanFieldNetwork.Initialize(model, 3, widths, gamma, ref rng);
        TestSet testSet = TestSet.Draw(DataModel.Create(new DataSpec(DataKinds.IsotropicGaussian, 3, 0.5), 5), 37, 5);

        int n = widths[^1];
        double sum1 = 0, sum2 = 0, scale = 0;
        for (int pattern = 0; pattern < 1 << n; pattern++)
        {
            for (int j = 0; j < n; j++)
            {
                network.Output[j] = ((pattern >> j) & 1) == 0 ? sigma : -sigma;
            }

            double[] z = OutputControls.Measure(network, testSet, sigma);
            sum1 += z[0];
            sum2 += z[1];
            scale += Math.Abs(z[0]) + Math.Abs(z[1]);
        }

        Assert.True(scale > 1e-3, "the controls vary with the signs");
        Assert.True(Math.Abs(sum1) <= 1e-12 * scale, $"Z_1 averages to {sum1 / (1 << n)}");
        Assert.True(Math.Abs(sum2) <= 1e-12 * scale, $"Z_2 averages to {sum2 / (1 << n)}");
    }

    // Z_1 is the test-set mean of y ŷ_0, computed one input at a time here; Z_2 against the same with the
    // activations of the top layer from PreActivations.
    [Fact]
    public void ControlsEqualTheirDefinitionsInputByInput()
    {
        const double sigma = 0.9;
        double[] gamma = [0.75, 0.6];
        var init = new InitSpec(Kappa: 1.0, OutputMean: 0.0, OutputStd: sigma, HiddenStd: 1.0);
        ModelSpec model = TestSpecs.Model(Presets.Normalized, ActivationKinds.Tanh, bias: false, init: init, gamma: gamma);
        var rng = new Xoshiro256(3);
        MeanFieldNetwork network = MeanFieldNetwork.Initialize(model, 4, [9, 10], gamma, ref rng);
        TestSet testSet = TestSet.Draw(DataModel.Create(new DataSpec(DataKinds.IsotropicGaussian, 4, 0.5), 2), 45, 2);

        double z1 = 0, z2 = 0;
        for (int m = 0; m < testSet.Count; m++)
        {
            double y = network.Predict(testSet.Input(m));
            double[] top = network.PreActivations(testSet.Input(m))[^1];
            double squares = top.Sum(u => Math.Tanh(u) * Math.Tanh(u));
            z1 += testSet.Label(m) * y;
            z2 += (y * y) - (Math.Pow(10, -2 * 0.6) * sigma * sigma * squares);
        }

        double[] z = OutputControls.Measure(network, testSet, sigma);
        Assert.Equal(z1 / testSet.Count, z[0], 1e-13);
        Assert.Equal(z2 / testSet.Count, z[1], 1e-13);
    }

    [Fact]
    public void ControlsApplyOnlyToIidMeanZeroOutputWeights()
    {
        Assert.True(OutputControls.Apply(new InitSpec(OutputMean: 0, OutputStd: 1)));
        Assert.False(OutputControls.Apply(new InitSpec(OutputMean: 0.5, OutputStd: 1)));
        Assert.False(OutputControls.Apply(new InitSpec(OutputMean: 0, OutputStd: 0)));
        Assert.False(OutputControls.Apply(new InitSpec(OutputMean: 0, OutputStd: 1, Sampling: InitSamplings.Stratified)));
    }

    // The intercept and its standard error against MathNet's least squares on the design [1, z1, z2]:
    // α̂ and σ̂² [(XᵀX)⁻¹]_00.
    [Fact]
    public void InterceptAndStdErrEqualOrdinaryLeastSquares()
    {
        const int n = 40;
        double[] a = TestRandom.Gaussians(1, n), b = TestRandom.Gaussians(2, n), e = TestRandom.Gaussians(3, n);
        double[] r = [.. Enumerable.Range(0, n).Select(s => 0.7 - (2.0 * a[s]) + (0.5 * b[s]) + (0.1 * e[s]))];

        (double mean, double se) = ControlVariates.Intercept(r, a, b)!.Value;

        Matrix<double> x = Matrix<double>.Build.Dense(n, 3, (s, k) => k == 0 ? 1.0 : k == 1 ? a[s] : b[s]);
        Vector<double> y = Vector<double>.Build.DenseOfArray(r);
        Vector<double> beta = x.QR().Solve(y);
        double rss = (y - (x * beta)).DotProduct(y - (x * beta));
        double expectedSe = Math.Sqrt(rss / (n - 3) * (x.TransposeThisAndMultiply(x)).Inverse()[0, 0]);
        Assert.Equal(beta[0], mean, 1e-12);
        Assert.Equal(expectedSe, se, 1e-12);
        Assert.True(Math.Abs(mean - 0.7) < 4 * se);
    }

    // When the second control is a multiple of the first, the estimate uses the first alone (n − 2 degrees of freedom).
    [Fact]
    public void CollinearControlsFallBackToTheFirst()
    {
        const int n = 30;
        double[] a = TestRandom.Gaussians(4, n), e = TestRandom.Gaussians(5, n);
        double[] r = [.. Enumerable.Range(0, n).Select(s => 1.5 + (3.0 * a[s]) + (0.2 * e[s]))];

        (double mean, double se) = ControlVariates.Intercept(r, a, [.. a.Select(v => 2 * v)])!.Value;
        (double single, double singleSe) = ControlVariates.Intercept(r, a, new double[n])!.Value;

        Matrix<double> x = Matrix<double>.Build.Dense(n, 2, (s, k) => k == 0 ? 1.0 : a[s]);
        Vector<double> beta = x.QR().Solve(Vector<double>.Build.DenseOfArray(r));
        Assert.Equal(beta[0], mean, 1e-12);
        Assert.Equal(mean, single, 1e-12);
        Assert.Equal(se, singleSe, 1e-12);
        Assert.Null(ControlVariates.Intercept([1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]));
    }
}

using MathNet.Numerics.LinearAlgebra;
using MeanFieldCluster.Engine.Activations;
using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.Limit;
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

    // End to end against the exact answer (docs/models.md): for L = 1 with mean-zero output weights of variance
    // σ_c² and w ~ N(0, κ²/d I) without bias, E R_N(0) = (1/M) Σ y_m² + N^{1−2γ} σ_c² (1/M) Σ_m E tanh(<w, x_m>)²,
    // where <w, x_m> ~ N(0, κ² |x_m|²/d) (MathNet's double-exponential quadrature over ±12 SD). The controlled estimate over 128 seeds' runs
    // (SgdRun's risk at step 0 and its recorded controls) must hold it within 4 of its standard errors, which are
    // at least 5× below the plain seed mean's (what is left is the spread of D = s² σ_c² (1/M) Σ_m Σ_j h_j(x_m)², an
    // average over N neurons); the plain mean must hold it within 4 of its own.
    [Theory]
    [InlineData(16, 0.75)]
    [InlineData(9, 0.5)]
    [InlineData(40, 1.0)]
    public void TheControlledInitialRiskMatchesItsExactExpectation(int width, double gamma)
    {
        const double kappa = 1.3, sigma = 0.8;
        var init = new InitSpec(Kappa: kappa, OutputMean: 0.0, OutputStd: sigma, HiddenStd: 1.0);
        SweepSpec spec = TestSpecs.Small(model: TestSpecs.Model(Presets.Normalized, ActivationKinds.Tanh, bias: false, init: init, gamma: [gamma]), horizon: 0.02);
        (DataModel data, TestSet testSet) = TestSpecs.DataOf(spec);
        int d = testSet.Dimension;

        double expected = 0;
        for (int m = 0; m < testSet.Count; m++)
        {
            double x2 = 0;
            foreach (double v in testSet.Input(m))
            {
                x2 += v * v;
            }

            double sd = kappa * Math.Sqrt(x2 / d);
            double meanTanh2 = MathNet.Numerics.Integrate.OnClosedInterval(z => Math.Pow(Math.Tanh(sd * z), 2) * MathNet.Numerics.Distributions.Normal.PDF(0, 1, z), -12, 12, 1e-13);

            expected += (testSet.Label(m) * testSet.Label(m)) + (Math.Pow(width, 1 - (2 * gamma)) * sigma * sigma * meanTanh2);
        }

        expected /= testSet.Count;
        (List<double> risk, List<double> z1, List<double> z2) = InitialRisks(spec, data, testSet, width, layers: 1, seeds: 128);
        (double controlled, double se) = ControlVariates.Intercept(risk, z1, z2)!.Value;
        double plain = risk.Average(), plainSe = Math.Sqrt(risk.Sum(r => (r - plain) * (r - plain)) / (risk.Count - 1) / risk.Count);
        Assert.True(Math.Abs(controlled - expected) < 4 * se, $"controlled {controlled} ± {se} against exact {expected}");
        Assert.True(Math.Abs(plain - expected) < 4 * plainSe, $"plain {plain} ± {plainSe} against exact {expected}");
        Assert.True(se < plainSe / 5, $"SE {se} against the plain {plainSe}");
    }

    // Two hidden layers (docs/models.md, the next order at L = 2): E R_N(0) = (1/M) Σ y_m² + E ŷ_0², with E ŷ_0² =
    // σ_c² N_2^{1−2γ_2} E g(σ_W² N_1^{1−2γ_1} q_N) to next order (TwoLayerInitialOutput). At N_1 = N_2 = 4, γ = 1 the
    // next order is large (1 − 2v ≈ 0.8 with v = σ_W² q̄/4): 1024 real runs' controlled t = 0 estimate must hold it
    // within 4 SE, and must reject the leading order σ_c² σ_W² q̄ N_2^{1−2γ_2} N_1^{1−2γ_1} by more than 4 SE (a
    // check that the next order is seen, not only allowed).
    [Fact]
    public void TheControlledTwoLayerInitialRiskMatchesItsNextOrderExpectation()
    {
        const double kappa = 1.2, sigma = 1.0, sigmaW = 1.0;
        const int width = 4;
        var init = new InitSpec(Kappa: kappa, OutputMean: 0.0, OutputStd: sigma, HiddenMean: 0.0, HiddenStd: sigmaW);
        SweepSpec spec = TestSpecs.Small(model: TestSpecs.Model(Presets.Normalized, ActivationKinds.Tanh, bias: false, init: init, gamma: [1.0, 1.0]), horizon: 0.02);
        (DataModel data, TestSet testSet) = TestSpecs.DataOf(spec);
        double[] norms = [.. Enumerable.Range(0, testSet.Count).Select(m => testSet.Input(m).ToArray().Sum(v => v * v))];
        var output = new TwoLayerInitialOutput(new Tanh(), kappa, sigmaW, sigma, testSet.Dimension, norms);
        double labels = Enumerable.Range(0, testSet.Count).Average(m => testSet.Label(m) * testSet.Label(m));
        double expected = labels + output.MeanSquaredOutput(width, width, 1.0, 1.0);
        double leading = labels + (sigma * sigma * sigmaW * sigmaW * output.MeanSquare.Average() / (width * width));

        (List<double> risk, List<double> z1, List<double> z2) = InitialRisks(spec, data, testSet, width, layers: 2, seeds: 1024);
        (double controlled, double se) = ControlVariates.Intercept(risk, z1, z2)!.Value;
        Assert.True(Math.Abs(controlled - expected) < 4 * se, $"controlled {controlled} ± {se} against the next order {expected}");
        Assert.True(Math.Abs(controlled - leading) > 4 * se, $"controlled {controlled} ± {se} does not tell the next order {expected} from the leading {leading}");
    }

    // Each seed's test risk at step 0 and its two recorded controls (one SgdRun per seed, advanced by one step).
    private static (List<double> Risk, List<double> Z1, List<double> Z2) InitialRisks(SweepSpec spec, DataModel data, TestSet testSet, int width, int layers, int seeds)
    {
        List<double> risk = [], z1 = [], z2 = [];
        for (int seed = 0; seed < seeds; seed++)
        {
            var run = new SgdRun(spec, TestSpecs.Point(spec, width, 0.01, seed, layers: layers), data, testSet);
            run.Advance(1);
            risk.Add(run.Risk[0].Risk);
            double[] z = [.. run.Snapshots.Single(s => s.Feature == FeatureNames.OutputControls).Values];
            z1.Add(z[0]);
            z2.Add(z[1]);
        }

        return (risk, z1, z2);
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

using BenchmarkDotNet.Attributes;
using MeanFieldCluster.Engine.Kernels;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Bench;

/// <summary>
/// BenchmarkDotNet suite of the individual kernels at each vector width, on the MMN case's sizes (N = 800
/// neurons of d = 40): the fused first-layer pass, the same as two passes, the inner product and the ramp.
/// Run with <c>dotnet run -c Release --project bench -- kernels --filter '*'</c>.
/// </summary>
[MemoryDiagnoser]
public class KernelBenchmarks
{
    private const int N = 800, D = 40;
    private double[] _w = [], _x = [], _next = [], _coef = [], _bias = [], _u = [], _h = [], _dh = [];
    private float[] _wf = [], _xf = [], _nextf = [], _coeff = [], _biasf = [], _uf = [];
    private ActivationKernel<double> _ramp = null!;

    [ParamsSource(nameof(Widths))]
    public SimdWidth Width { get; set; }

    public static IEnumerable<SimdWidth> Widths => Simd.Supported;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        double[] Fill(int n) => [.. Enumerable.Range(0, n).Select(_ => rng.NextDouble() - 0.5)];
        (_w, _x, _next, _coef, _bias) = (Fill(N * D), Fill(D), Fill(D), Fill(N), Fill(N));
        _u = new double[N];
        _h = new double[N];
        _dh = new double[N];
        (_wf, _xf, _nextf, _coeff, _biasf) = ([.. _w.Select(v => (float)v)], [.. _x.Select(v => (float)v)], [.. _next.Select(v => (float)v)], [.. _coef.Select(v => (float)v)], [.. _bias.Select(v => (float)v)]);
        _uf = new float[N];
        _ramp = new ActivationKernel<double>(new ActivationSpec(ActivationKinds.Ramp));
    }

    [Benchmark(Description = "fused update+forward, double")]
    public void FusedDouble() => RowKernels.UpdateForward<double>(_w, D, 0, N, _x, _coef, 1e-9, 1.0, _next, 1.0, _bias, _u, Width);

    [Benchmark(Description = "update then forward, double")]
    public void SplitDouble()
    {
        RowKernels.Update<double>(_w, D, 0, N, _x, _coef, 1e-9, 1.0, Width);
        RowKernels.Forward<double>(_w, D, 0, N, _next, 1.0, _bias, _u, Width);
    }

    [Benchmark(Description = "fused update+forward, float")]
    public void FusedFloat() => RowKernels.UpdateForward<float>(_wf, D, 0, N, _xf, _coeff, 1e-9f, 1f, _nextf, 1f, _biasf, _uf, Width);

    [Benchmark(Description = "forward only, double")]
    public void ForwardDouble() => RowKernels.Forward<double>(_w, D, 0, N, _next, 1.0, _bias, _u, Width);

    [Benchmark(Description = "dot d=40, double")]
    public double DotDouble() => Dot.Compute<double>(_x, _next, Width);

    [Benchmark(Description = "ramp over N, double")]
    public void Ramp() => _ramp.Apply(_u, _h, _dh, Width);
}

/// <summary>
/// BenchmarkDotNet suite of whole SGD steps (sampling, activations, fused pass) on the MMN case at N = 800,
/// d = 40 in both precisions, at each vector width.
/// </summary>
[MemoryDiagnoser]
public class StepBenchmarks
{
    private MeanFieldCluster.Engine.Training.SgdStepper _stepper = null!;

    [ParamsSource(nameof(Widths))]
    public SimdWidth Width { get; set; }

    [Params(Precisions.Float64, Precisions.Float32)]
    public string Precision { get; set; } = Precisions.Float64;

    public static IEnumerable<SimdWidth> Widths => Simd.Supported;

    [GlobalSetup]
    public void Setup()
    {
        BenchCase c = BenchCase.All.First(b => b.Width == 800 && b.Dtype == Precision);
        SweepSpec spec = c.Spec();
        PointSpec point = SweepPlanner.Expand(spec)[0];
        var data = MeanFieldCluster.Engine.Data.DataModel.Create(spec.Data, spec.Seed);
        var rng = new MeanFieldCluster.Engine.Randomness.Xoshiro256(1);
        var network = MeanFieldCluster.Engine.Networks.MeanFieldNetwork.Initialize(spec.Model, data.Dimension, point.Widths, point.Gamma, ref rng);
        _stepper = MeanFieldCluster.Engine.Training.SgdStepper.Create(spec, network, data, rng, rng, new MeanFieldCluster.Engine.Training.SgdStepperOptions { Width = Width });
    }

    [Benchmark(Description = "SGD step, mmn-isotropic N=800 d=40")]
    public double Step() => _stepper.Step(1e-4);
}

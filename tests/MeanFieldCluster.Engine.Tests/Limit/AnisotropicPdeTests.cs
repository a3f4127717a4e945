using MathNet.Numerics;
using MathNet.Numerics.Integration;
using MeanFieldCluster.Engine.Limit;
using Xunit.Abstractions;

namespace MeanFieldCluster.Engine.Tests.Limit;

/// <summary>The anisotropic (r1, r2) reduction of MMN example 2 (docs/limit.md, "The anisotropic reduction").</summary>
public sealed class AnisotropicPdeTests(ITestOutputHelper output)
{
    private const double Delta = 0.8, Kappa = 0.8;

    private static AnisotropicPdeSettings Settings(int d, int s0, double horizon = 1.0) =>
        new() { Delta = Delta, Dimension = d, InformativeDimensions = s0, Kappa = Kappa, Horizon = horizon };

    [Fact]
    public void Explore()
    {
        foreach (int order in new[] { 32, 48, 64 })
        {
            var s = Settings(40, 10, 5.0) with { ParticlesPerAxis = 20, MaxHermiteOrder = order, OutputTimes = [0, 1, 5] };
            var sol = AnisotropicPdeSolver.Solve(s);
            output.WriteLine($"order {order}: {string.Join(", ", sol.Risks.Select(r => r.ToString("R")))} used {sol.Snapshots.Max(x => x.HermiteOrder)}");
        }

        foreach (int m in new[] { 25, 50, 100, 200 })
        {
            var s = Settings(40, 10) with { ParticlesPerAxis = m, OutputTimes = [0] };
            output.WriteLine($"m {m}: {AnisotropicPdeSolver.Solve(s).Risks[0]:R}");
        }

        output.WriteLine($"exact {InitialRisk.Compute(40, 10, Kappa, Delta, RampParameters.Mmn).LimitRisk:R}");
    }
}

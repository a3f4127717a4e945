using MathNet.Numerics.Distributions;
using MeanFieldCluster.Engine.Limit;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Tests.Limit;

public sealed class RadialPdeSettingsTests
{
    private static readonly RadialPdeSettings Valid = RadialPdeSettings.MmnFigure1;

    public static TheoryData<string, string> InvalidSettings() => new()
    {
        { "delta = 1", "Delta" },
        { "delta < 0", "Delta" },
        { "kappa = 0", "Kappa" },
        { "d = 0", "Dimension" },
        { "horizon = 0", "Horizon" },
        { "ridge < 0", "Ridge" },
        { "no particles", "Particles" },
        { "step = 0", "StepSize" },
        { "tolerance < 0", "HermiteTolerance" },
        { "order too high", "MaxHermiteOrder" },
        { "time after horizon", "outside" },
        { "times not increasing", "increase" },
        { "no times", "OutputTimes" },
        { "level = 0", "QuantileLevels" },
        { "bad ramp", "t2 > t1" },
        { "bad xi", "t0" },
    };

    private static RadialPdeSettings Break(string what) => what switch
    {
        "delta = 1" => Valid with { Delta = 1.0 },
        "delta < 0" => Valid with { Delta = -0.1 },
        "kappa = 0" => Valid with { Kappa = 0.0 },
        "d = 0" => Valid with { Dimension = 0 },
        "horizon = 0" => Valid with { Horizon = 0.0 },
        "ridge < 0" => Valid with { Ridge = -1.0 },
        "no particles" => Valid with { Particles = 0 },
        "step = 0" => Valid with { StepSize = 0.0 },
        "tolerance < 0" => Valid with { HermiteTolerance = -1e-10 },
        "order too high" => Valid with { MaxHermiteOrder = RampGaussian.MaxOrder + 1 },
        "time after horizon" => Valid with { OutputTimes = [0.0, 21.0] },
        "times not increasing" => Valid with { OutputTimes = [0.0, 2.0, 1.0] },
        "no times" => Valid with { OutputTimes = [] },
        "level = 0" => Valid with { QuantileLevels = [0.0, 0.5] },
        "bad ramp" => Valid with { Ramp = new RampParameters(1.5, 0.5, -2.5, 7.5) },
        "bad xi" => Valid with { Xi = XiSchedule.Power(0.0, 0.5) },
        _ => throw new ArgumentException(what),
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public void InvalidSettingsAreRejectedWithAMessageNamingTheSetting(string what, string named)
    {
        ArgumentException error = Assert.ThrowsAny<ArgumentException>(() => RadialPdeSolver.Solve(Break(what)));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheMmnFigureOneSettingIsValidAndDefaultsToTwentyOneOutputTimesAnd256Levels()
    {
        Valid.Validate();

        Assert.Equal(21, Valid.ResolvedOutputTimes.Count);
        Assert.Equal(20.0, Valid.ResolvedOutputTimes[^1]);
        Assert.Equal(256, Valid.ResolvedQuantileLevels.Count);
        Assert.Equal(0.5 / 256, Valid.ResolvedQuantileLevels[0]);
    }

    [Fact]
    public void SpecsConvertToRampParametersAndXiSchedules()
    {
        Assert.Equal(RampParameters.Mmn, RampParameters.FromSpec(new ActivationSpec(ActivationKinds.Ramp)));
        Assert.Throws<ArgumentException>(() => RampParameters.FromSpec(new ActivationSpec(ActivationKinds.Tanh)));
        Assert.Equal(1.0, XiSchedule.FromSpec(new XiSpec()).Value(5.0));
        Assert.Equal(Math.Pow(1 + (3.0 / 2.0), -0.7), XiSchedule.FromSpec(new XiSpec("power", 2.0, 0.7)).Value(3.0), 15);
        Assert.Throws<ArgumentException>(() => XiSchedule.FromSpec(new XiSpec("cosine")));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(40)]
    [InlineData(400)]
    public void InitialParticlesAreQuantilesOfTheScaledChiLaw(int d)
    {
        const double kappa = 0.8;
        double[] radii = RadialInitialLaw.Particles(d, kappa, 1000);

        for (int j = 0; j < radii.Length; j++)
        {
            // r = (κ/√d) χ_d, so P(r ≤ r_j) = F_χd(r_j √d / κ).
            Assert.Equal((j + 0.5) / 1000, Chi.CDF(d, radii[j] * Math.Sqrt(d) / kappa), 1e-12);
        }

        Assert.All(RadialInitialLaw.Particles(null, kappa, 10), r => Assert.Equal(kappa, r));
    }
}

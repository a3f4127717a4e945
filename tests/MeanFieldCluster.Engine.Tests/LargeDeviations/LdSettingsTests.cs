using MeanFieldCluster.Engine.LargeDeviations;

namespace MeanFieldCluster.Engine.Tests.LargeDeviations;

public sealed class LdSettingsTests
{
    private static readonly LdSettings Valid = new() { XGrid = [0.1, 0.2], KGrid = [-1, 0, 1] };

    [Fact]
    public void DefaultsAreThoseOfMathSectionSix()
    {
        Assert.Equal(100, Valid.EssMin);
        Assert.Equal(200, Valid.Bootstrap);
        Assert.Equal(0UL, Valid.BootstrapSeed);
        Assert.True(Valid.TailPrefactorCorrection);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void AnEssThresholdOfAtMostOneIsRejectedNamingTheSetting(double essMin)
    {
        var e = Assert.Throws<ArgumentException>(() => Valid with { EssMin = essMin });
        Assert.Equal(nameof(LdSettings.EssMin), e.ParamName);
    }

    [Fact]
    public void AKGridWithoutZeroOrNotIncreasingIsRejectedNamingTheSetting()
    {
        Assert.Equal(nameof(LdSettings.KGrid), Assert.Throws<ArgumentException>(() => Valid with { KGrid = [0.5, 1] }).ParamName);
        Assert.Equal(nameof(LdSettings.KGrid), Assert.Throws<ArgumentException>(() => Valid with { KGrid = [0, 1, 1] }).ParamName);
        Assert.Equal(nameof(LdSettings.KGrid), Assert.Throws<ArgumentException>(() => Valid with { KGrid = [0] }).ParamName);
        Assert.Equal(nameof(LdSettings.KGrid), Assert.Throws<ArgumentException>(() => Valid with { KGrid = [0, double.NaN] }).ParamName);
    }

    [Fact]
    public void AnEmptyOrNonFiniteXGridIsRejectedNamingTheSetting()
    {
        Assert.Equal(nameof(LdSettings.XGrid), Assert.Throws<ArgumentException>(() => Valid with { XGrid = [] }).ParamName);
        Assert.Equal(nameof(LdSettings.XGrid), Assert.Throws<ArgumentException>(() => Valid with { XGrid = [double.NaN] }).ParamName);
    }

    [Fact]
    public void NegativeBootstrapCountsAndZeroBinsAreRejectedNamingTheSetting()
    {
        Assert.Equal(nameof(LdSettings.Bootstrap), Assert.Throws<ArgumentException>(() => Valid with { Bootstrap = -1 }).ParamName);
        Assert.Equal(nameof(LdSettings.BootstrapBins), Assert.Throws<ArgumentException>(() => Valid with { BootstrapBins = 0 }).ParamName);
    }

    [Fact]
    public void TheGridsAreCopiedSoLaterChangesToTheCallersArrayDoNotLeakIn()
    {
        double[] k = [-1, 0, 1];
        var settings = new LdSettings { XGrid = [0], KGrid = k };
        k[1] = 5;

        Assert.Equal(0.0, settings.KGrid[1]);
    }

    [Fact]
    public void AGridThroughZeroContainsExactlyZero()
    {
        double[] grid = LdSettings.Grid(-3, 3, 0.05);

        Assert.Equal(121, grid.Length);
        Assert.Contains(0.0, grid);
        Assert.Equal(3.0, grid[^1], 12);
    }
}

using MeanFieldCluster.Client.Plotting;

namespace MeanFieldCluster.Client.Tests;

public sealed class LogTicksTests
{
    [Fact]
    public void OverSeveralDecadesOnlyThePowersOfTenAreLabelled()
    {
        // t from 0.02 to 20, the risk axis of a run with horizon 20.
        IReadOnlyList<LogTick> ticks = LogTicks.For(Math.Log10(0.02), Math.Log10(20));

        Assert.Equal(["0.1", "1", "10"], ticks.Where(t => t.Label is not null).Select(t => t.Label));
        Assert.Equal(0.02, ticks[0].Value, 12);
        Assert.Equal(20, ticks[^1].Value, 12);
        Assert.Equal(8 + 9 + 9 + 2, ticks.Count);
    }

    [Fact]
    public void WithinTwoDecadesTheOneTwoFiveValuesAreLabelled()
    {
        IReadOnlyList<LogTick> ticks = LogTicks.For(Math.Log10(0.003), Math.Log10(0.2));

        Assert.Equal(["0.005", "0.01", "0.02", "0.05", "0.1", "0.2"], ticks.Where(t => t.Label is not null).Select(t => t.Label));
    }

    [Fact]
    public void WithinOneDecadeEveryIntegerMultipleIsLabelled()
    {
        IReadOnlyList<LogTick> ticks = LogTicks.For(Math.Log10(0.025), Math.Log10(0.13));

        Assert.Equal(["0.03", "0.04", "0.05", "0.06", "0.07", "0.08", "0.09", "0.1"], ticks.Where(t => t.Label is not null).Select(t => t.Label));
    }

    [Theory]
    [InlineData(1e-5, "10⁻⁵")]
    [InlineData(2e-7, "2×10⁻⁷")]
    [InlineData(5e6, "5×10⁶")]
    [InlineData(100000, "10⁵")]
    [InlineData(0.001, "0.001")]
    [InlineData(40000, "40000")]
    public void LabelsArePlainDigitsInsideTheReadableRangeAndPowersOfTenOutside(double value, string label) =>
        Assert.Equal(label, LogTicks.Label(value));

    [Fact]
    public void AnEmptyOrReversedRangeHasNoTicks()
    {
        Assert.Empty(LogTicks.For(1, 1));
        Assert.Empty(LogTicks.For(2, 1));
        Assert.Empty(LogTicks.For(double.NaN, 1));
    }
}

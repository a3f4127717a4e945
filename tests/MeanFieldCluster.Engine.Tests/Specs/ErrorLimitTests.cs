using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Tests.Specs;

public sealed class ErrorLimitTests
{
    [Fact]
    public void AHugeDamagedListReportsTheFirstHundredErrorsAndCountsTheRest()
    {
        string widths = string.Join(", ", Enumerable.Repeat("-3", 50_000));
        string yaml = $"name: x\nmodel: {{preset: mmn-isotropic, activation: ramp}}\ndata: {{kind: isotropic-gaussian, d: 2}}\ntraining: {{horizon: 1}}\ngrid: {{width: [{widths}], step_size: [0.1]}}\n";

        IReadOnlyList<SpecError> errors = Assert.Throws<SpecException>(() => SpecLoader.Parse(yaml, SpecFormat.Yaml)).Errors;

        Assert.Equal(101, errors.Count);
        Assert.Equal("grid.width[0]", errors[0].Path);
        Assert.Equal(new SpecError(SpecError.RootPath, "... and 49900 more errors not shown"), errors[^1]);
    }
}

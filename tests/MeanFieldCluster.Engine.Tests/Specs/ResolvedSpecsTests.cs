using MeanFieldCluster.Engine.Specs;
using static MeanFieldCluster.Engine.Tests.Specs.SpecSamples;

namespace MeanFieldCluster.Engine.Tests.Specs;

public sealed class ResolvedSpecsTests
{
    [Fact]
    public void A_resolved_spec_is_bound_once_per_process_and_equals_a_fresh_parse()
    {
        string json = SpecWriter.ToJson(Yaml(FullYaml));

        SweepSpec first = ResolvedSpecs.Parse(json);

        Assert.Same(first, ResolvedSpecs.Parse(json));
        Assert.Equal(json, SpecWriter.ToJson(first));
        AssertSame(SpecLoader.Parse(json, SpecFormat.Json), first);
    }

    [Fact]
    public void A_remembered_binding_serves_its_data_root_and_callers_without_one_but_not_another_root()
    {
        SweepSpec spec = Yaml(FullYaml) with { Name = "remembered" };
        string json = SpecWriter.ToJson(spec);
        string root = Path.Combine(Path.GetTempPath(), "mfc-data-root");

        Assert.Null(ResolvedSpecs.Find(json, null));
        Assert.Same(spec, ResolvedSpecs.Remember(json, spec, root));

        Assert.Same(spec, ResolvedSpecs.Find(json, null));
        Assert.Same(spec, ResolvedSpecs.Find(json, root + Path.DirectorySeparatorChar));
        Assert.Null(ResolvedSpecs.Find(json, Path.Combine(root, "other")));
        Assert.Same(spec, ResolvedSpecs.Parse(json));
    }

    [Fact]
    public void An_invalid_text_is_refused_every_time_with_its_errors()
    {
        string json = SpecWriter.ToJson(Yaml(FullYaml)).Replace("\"kappa\": 0.8", "\"kappa\": -1", StringComparison.Ordinal);

        SpecException first = Assert.Throws<SpecException>(() => ResolvedSpecs.Parse(json));
        SpecException again = Assert.Throws<SpecException>(() => ResolvedSpecs.Parse(json));

        Assert.Equal("model.init.kappa", Assert.Single(first.Errors).Path);
        Assert.Equal(first.Message, again.Message);
    }
}

using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Tests.Specs;

/// <summary>With a data root set, csv paths resolve only to files under it, whatever the path or links say.</summary>
public sealed class DataRootTests : IDisposable
{
    private readonly string _base = Path.Combine(Path.GetTempPath(), "mfc-data-root-" + Guid.NewGuid().ToString("N"));
    private readonly string _root;
    private readonly string _outside;

    public DataRootTests()
    {
        _root = Path.Combine(_base, "root");
        _outside = Path.Combine(_base, "outside");
        Directory.CreateDirectory(Path.Combine(_root, "sub"));
        Directory.CreateDirectory(_outside);
        string csv = "a,y\n" + string.Join('\n', Enumerable.Range(0, 20).Select(i => $"{i},{i % 2}")) + "\n";
        File.WriteAllText(Path.Combine(_root, "sub", "in.csv"), csv);
        File.WriteAllText(Path.Combine(_outside, "secret.csv"), csv);
        File.CreateSymbolicLink(Path.Combine(_root, "link.csv"), Path.Combine(_outside, "secret.csv"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "linkdir"), _outside);
    }

    public void Dispose() => Directory.Delete(_base, recursive: true);

    [Theory]
    [InlineData("sub/in.csv")]
    [InlineData("ROOT/sub/in.csv")]
    [InlineData("sub/../sub/in.csv")]
    public void AFileUnderTheRootIsAccepted(string path)
    {
        SweepSpec spec = SpecLoader.Parse(Spec(path.Replace("ROOT", _root, StringComparison.Ordinal)), SpecFormat.Yaml, dataRoot: _root);

        Assert.Equal(Path.Combine(_root, "sub", "in.csv"), spec.Data.Csv!.Path);
    }

    [Theory]
    [InlineData("OUTSIDE/secret.csv")]
    [InlineData("../outside/secret.csv")]
    [InlineData("link.csv")]
    [InlineData("linkdir/secret.csv")]
    [InlineData("/etc/passwd")]
    public void AFileOutsideTheRootIsRefusedNamingTheField(string path)
    {
        string text = Spec(path.Replace("OUTSIDE", _outside, StringComparison.Ordinal));

        SpecError error = Assert.Single(Assert.Throws<SpecException>(() => SpecLoader.Parse(text, SpecFormat.Yaml, dataRoot: _root)).Errors);

        Assert.Equal("data.csv.path", error.Path);
        Assert.Contains($"is outside the data root '{_root}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutARootAnyReadableFileIsAccepted()
    {
        Assert.NotNull(SpecLoader.Parse(Spec(Path.Combine(_outside, "secret.csv")), SpecFormat.Yaml));
    }

    // Relative paths resolve against the current directory when parsing text: use the root as base by making them absolute here.
    private string Spec(string path) => $$"""
        name: data-root
        model: {preset: mmn-relu, activation: relu}
        data:
          kind: csv
          csv: {path: '{{(Path.IsPathRooted(path) ? path : Path.Combine(_root, path))}}', label: y}
        training: {horizon: 1}
        grid: {width: [4], step_size: [0.1]}
        """;
}

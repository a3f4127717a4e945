using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using MeanFieldCluster.Client;
using MeanFieldCluster.Client.Commands;
using MeanFieldCluster.Silo.Hosting;

namespace MeanFieldCluster.Dashboard.Tests;

public sealed class RunDashboardOptionTests
{
    private static async Task<(int ExitCode, string Output, string Error)> Mfc(params string[] args)
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);
        int code = await Cli.RunAsync(args, output, error, interactive: false);
        return (code, output.ToString(), error.ToString());
    }

    private static string TempSpec()
    {
        string dir = Path.Combine(Path.GetTempPath(), "mfc-dashboard-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "spec.yaml");
        File.WriteAllText(path, Specs.TinyMmn);
        return path;
    }

    [Fact]
    public void DashboardWithoutAPortMeansPort8080()
    {
        Option<int?> option = RunCommand.DashboardOption();
        var root = new RootCommand { option };

        Assert.Equal(8080, root.Parse("--dashboard").GetValue(option));
        Assert.Equal(9123, root.Parse("--dashboard 9123").GetValue(option));
        Assert.Null(root.Parse("").GetValue(option));
    }

    [Fact]
    public async Task RunWithDashboardPrintsTheUrlBeforeTheRunAndFinishes()
    {
        string spec = TempSpec();
        int port = SiloSetup.FreeTcpPort();

        var (code, output, error) = await Mfc("run", spec, "--out", Path.Combine(Path.GetDirectoryName(spec)!, "out"), "--dashboard", port.ToString(CultureInfo.InvariantCulture));

        Assert.True(code == 0, error);
        string[] lines = output.Split('\n');
        int url = Array.FindIndex(lines, l => l.StartsWith($"dashboard: http://127.0.0.1:{port}/", StringComparison.Ordinal));
        // The first progress line: a point's end, or, when every point of this tiny run had ended before the
        // view's first snapshot (timing), the line that says so.
        int firstPoint = Array.FindIndex(lines, l => l.StartsWith('[') && (l.Contains(" completed after ", StringComparison.Ordinal) || l.Contains(" had finished before", StringComparison.Ordinal)));
        Assert.True(url >= 0, output);
        Assert.True(firstPoint > url, output);
    }

    [Fact]
    public async Task ABusyDashboardPortIsBadInputNamingTheOptionAndThePort()
    {
        string spec = TempSpec();
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        int port = ((IPEndPoint)busy.LocalEndpoint).Port;
        string outDir = Path.Combine(Path.GetDirectoryName(spec)!, "out");

        var (code, _, error) = await Mfc("run", spec, "--out", outDir, "--dashboard", port.ToString(CultureInfo.InvariantCulture));

        Assert.Equal(2, code);
        Assert.Contains($"error: --dashboard: cannot listen on 127.0.0.1:{port}", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("70000")]
    [InlineData("http")]
    public async Task ADashboardPortOutsideOneTo65535IsBadInput(string port)
    {
        var (code, _, error) = await Mfc("run", TempSpec(), "--dashboard", port);

        Assert.Equal(2, code);
        Assert.Contains($"--dashboard: '{port}' is not a port; expected a port from 1 to 65535", error, StringComparison.Ordinal);
    }
}

using MeanFieldCluster.Silo.Hosting;
using MeanFieldCluster.Silo.Web;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MeanFieldCluster.Cluster.Tests;

/// <summary>
/// The silo's settings: one section bound into one type per concern, every failure named with its value
/// and what is allowed, and all of them reported at once.
/// </summary>
public sealed class SiloOptionsTests
{
    [Fact]
    public void OneSectionBindsIntoOneTypePerConcern()
    {
        IServiceProvider services = Services(new()
        {
            ["Silo:Redis"] = "redis:6379",
            ["Silo:SiloPort"] = "21111",
            ["Silo:Workers"] = "3",
            ["Silo:ThreadsPerWidePoint"] = "2",
            ["Silo:MaxPointHours"] = "2",
            ["Silo:PointsInFlight"] = "64",
            ["Silo:PointsQueuedPerSlot"] = "0",
            ["Silo:HttpAddress"] = "0.0.0.0",
            ["Silo:HttpPort"] = "9090",
            ["Silo:DashboardToken"] = "t",
        });
        Assert.Equal(21111, services.GetRequiredService<IOptions<SiloOptions>>().Value.SiloPort);
        WorkerOptions workers = services.GetRequiredService<IOptions<WorkerOptions>>().Value;
        Assert.Equal((3, 2), (workers.Slots, workers.ThreadsPerWidePoint));
        SweepPolicy policy = services.GetRequiredService<IOptions<SweepPolicy>>().Value;
        Assert.Equal((64, 0), (policy.PointsInFlight, policy.PointsQueuedPerSlot));
        Assert.Equal(2 * 3600.0, policy.Budget.MaxPointSeconds);
        WebEndpointOptions web = services.GetRequiredService<IOptions<WebEndpointOptions>>().Value;
        Assert.Equal(("0.0.0.0", 9090, "t"), (web.Address, web.Port, web.Token));
        Assert.Empty(SiloStart.Validate(services, web: true));
    }

    [Fact]
    public void EveryBadSettingIsReportedAtOnceNamingTheValueAndWhatIsAllowed()
    {
        IServiceProvider services = Services(new()
        {
            ["Silo:SiloPort"] = "21112",
            ["Silo:GatewayPort"] = "21112",
            ["Silo:Workers"] = "0",
            ["Silo:MaxPointHours"] = "-1",
            ["Silo:HttpAddress"] = "somewhere",
            ["Silo:ShutdownTimeout"] = "0",
            ["Silo:PointsQueuedPerSlot"] = "-1",
        });
        IReadOnlyList<string> errors = SiloStart.Validate(services, web: true);
        Assert.Contains(errors, e => e.StartsWith("--redis: required", StringComparison.Ordinal));
        Assert.Contains("--gateway-port: 21112 is also the silo port; expected two different ports", errors);
        Assert.Contains("--workers: 0 is not allowed; expected an integer from 1 to 1024", errors);
        Assert.Contains("--max-point-hours: -1 is not allowed; expected a number of hours > 0", errors);
        Assert.Contains("--http-address: 'somewhere' is not an IP address; expected e.g. 127.0.0.1 or 10.0.0.5", errors);
        Assert.Contains("--shutdown-timeout: 0 is not allowed; expected an integer from 1 to 3600 (seconds)", errors);
        Assert.Contains("--points-queued-per-slot: -1 is not allowed; expected an integer from 0 to 1000", errors);
        Assert.Equal(7, errors.Count);
    }

    [Fact]
    public void TheHttpPortMustDifferFromTheSiloAndGatewayPorts()
    {
        IServiceProvider services = Services(new() { ["Silo:Redis"] = "redis:6379", ["Silo:SiloPort"] = "21113", ["Silo:GatewayPort"] = "21114", ["Silo:HttpPort"] = "21114" });
        Assert.Equal(["--http-port: 21114 is also the silo or gateway port; expected a different port (or 0 to turn the HTTP endpoint off)"], SiloStart.Validate(services, web: true));
    }

    [Fact]
    public void AValueOfTheWrongTypeNamesTheOptionTheValueAndTheType()
    {
        IServiceProvider services = Services(new() { ["Silo:Redis"] = "redis:6379", ["Silo:ThreadsPerWidePoint"] = "many", ["Silo:MaxPointHours"] = "soon" });
        IReadOnlyList<string> errors = SiloStart.Validate(services, web: false);
        Assert.Equal(["--threads-per-wide-point: 'many' is not allowed; expected an integer", "--max-point-hours: 'soon' is not allowed; expected a number"], errors);
    }

    [Theory]
    [InlineData(45, 30.0)]
    [InlineData(30, 20.0)]
    [InlineData(3, 2.0)]
    public void TheGracefulStopGetsTwoThirdsOfTheShutdownTimeoutAtMostThirtySeconds(int timeout, double graceful) =>
        Assert.Equal(TimeSpan.FromSeconds(graceful), new SiloOptions { ShutdownTimeout = timeout }.GracefulStop);

    [Theory]
    [InlineData(new[] { "--worker", "3" }, "--worker: unknown option; nearest: --workers; mfc-silo --help lists the options")]
    [InlineData(new[] { "--redis", "r:1", "--bogus=2" }, "--bogus: unknown option; mfc-silo --help lists the options")]
    [InlineData(new[] { "stray" }, "'stray' is not allowed here; expected options of the form --name value (mfc-silo --help lists them)")]
    [InlineData(new[] { "--redis", "r:1", "--workers" }, "--workers: no value; expected --workers <value>")]
    public void AnUnknownOptionOrAMissingValueIsNamedNotIgnored(string[] args, string expected) =>
        Assert.Equal(expected, SiloStart.CheckArguments(args, Options));

    [Fact]
    public void KnownOptionsWithTheirValuesPass() =>
        Assert.Null(SiloStart.CheckArguments(["--redis", "r:1", "--workers=2", "--shutdown-timeout", "10", "--workers", "-1"], Options));

    private static readonly string[] Options = ["--redis", "--workers", "--shutdown-timeout", "--silo-port"];

    [Fact]
    public void AnExplicitWorkerCountSaysSo() => Assert.Equal("set by --workers", SiloStart.WorkerSource(explicitSetting: true));

    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        IConfigurationSection section = new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(SiloOptions.Section);
        var services = new ServiceCollection();
        services.AddOptions<SiloOptions>().Bind(section);
        services.AddSingleton<IValidateOptions<SiloOptions>, SiloOptionsValidator>();
        services.AddOptions<WorkerOptions>().Bind(section);
        services.AddSingleton<IValidateOptions<WorkerOptions>, WorkerOptionsValidator>();
        services.AddOptions<SweepPolicy>().Bind(section);
        services.AddSingleton<IValidateOptions<SweepPolicy>, SweepPolicyValidator>();
        services.AddOptions<WebEndpointOptions>().Bind(section);
        services.AddSingleton<IValidateOptions<WebEndpointOptions>, WebEndpointOptionsValidator>();
        return services.BuildServiceProvider();
    }
}

namespace MeanFieldCluster.Fault.Tests;

/// <summary>
/// The container image, built and run here: no registry is reachable, so the base image is made from this
/// machine's .NET runtime (deploy/docker/make-local-base.sh) and deploy/docker/Dockerfile.local adds the
/// published silo and client; two containers form a cluster with Redis and run a sweep whose tables equal
/// an embedded run's byte for byte.
/// </summary>
[Collection(nameof(ProcessCollection))]
[Trait("Category", "Slow")]
public sealed class PodmanTests
{
    // podman 4.3 (Debian 12) here: crun refuses hybrid cgroups, so runc runs the containers, and the default
    // ulimits exceed what this (possibly nested) root may set, so they are set explicitly.
    private static readonly string[] Run = ["--runtime", "runc", "run", "--rm", "--network", "host", "--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096"];

    [PodmanFact]
    public async Task TheImageBuiltHereRunsATwoSiloClusterThatGivesTheEmbeddedRunsBytes()
    {
        string root = Env.RepositoryRoot();
        string dir = Env.TempDirectory();
        string tag = Guid.NewGuid().ToString("N")[..12];
        string baseImage = $"localhost/mfc-test-base:{tag}", image = $"localhost/mfc-test:{tag}";
        string app = Path.Combine(dir, "app");
        string[] names = [$"mfc-test-a-{tag}", $"mfc-test-b-{tag}"];
        try
        {
            Assert.Equal(0, Step("bash", [Path.Combine(root, "deploy", "docker", "make-local-base.sh"), baseImage]));
            string configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
            foreach (string project in new[] { "silo", "client" })
            {
                Assert.Equal(0, Step("dotnet", ["publish", Path.Combine(root, project), "-c", configuration, "--no-build", "-o", app, "-nologo", "-v", "quiet"]));
            }

            Assert.Equal(0, Step("podman", ["--runtime", "runc", "build", "-q", "--build-arg", $"BASE={baseImage}", "-f", Path.Combine(root, "deploy", "docker", "Dockerfile.local"), "-t", image, app]));

            using var redis = new RedisServer();
            string clusterId = $"podman-{tag}";
            var silos = new List<ChildProcess>();
            try
            {
                foreach (string name in names)
                {
                    silos.Add(new ChildProcess("podman", [.. Run, "--name", name, "-e", $"MFC_Silo__Redis={redis.Connection}", image, "--cluster-id", clusterId, "--silo-port", $"{Env.FreePort()}", "--gateway-port", $"{Env.FreePort()}", "--http-port", "0", "--workers", "1", "--fast-failure-detection", "true"]));
                }

                foreach (ChildProcess silo in silos)
                {
                    await silo.WaitForOutput("mfc-silo: cluster", TimeSpan.FromMinutes(3));
                }

                string spec = Path.Combine(dir, "spec.yaml");
                File.WriteAllText(spec, FourPointSweep.Spec("podman", 41));
                string[] connection = ["--redis", redis.Connection, "--cluster-id", clusterId];
                await FourPointSweep.RunOnClusterAndCompareWithEmbedded(dir, spec, "podman-1", connection, "containers'", () => string.Concat(silos.Select(s => s.Output)));

                Assert.All(silos, s => Assert.False(s.HasExited, s.Output));
            }
            finally
            {
                foreach (ChildProcess silo in silos)
                {
                    silo.Dispose();
                }
            }
        }
        finally
        {
            foreach (string name in names)
            {
                Prerequisites.Run("podman", "rm", "-f", "-t", "5", name);
            }

            Prerequisites.Run("podman", "rmi", "-f", image, baseImage);
        }
    }

    // A build step; its output goes into the failure message.
    private static int Step(string file, string[] args)
    {
        var (code, output) = Prerequisites.Run(TimeSpan.FromMinutes(10), file, args);
        Assert.True(code == 0, $"{file} {string.Join(' ', args)} failed (exit {code}):\n{output}");
        return code;
    }
}

/// <summary>A fact that is skipped, with the reason, where podman cannot build and run images.</summary>
public sealed class PodmanFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when podman is unavailable.</summary>
    public PodmanFactAttribute()
    {
        if (Prerequisites.Podman is { } why)
        {
            Skip = why;
        }
    }
}

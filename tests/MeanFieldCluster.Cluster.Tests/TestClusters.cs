using MeanFieldCluster.Contracts;
using MeanFieldCluster.Silo.Hosting;
using Orleans.TestingHost;

namespace MeanFieldCluster.Cluster.Tests;

/// <summary>The in-process clusters the tests run sweeps on, and waiting for a sweep to end.</summary>
internal static class TestClusters
{
    /// <summary>
    /// Two MeanFieldCluster silos with in-memory storage and reminders, deployed; <paramref name="hooks"/> are
    /// the test hooks (docs/testing.md), by default those of the environment; <paramref name="silo"/> configures
    /// each silo further.
    /// </summary>
    public static async Task<InProcessTestCluster> DeployAsync(Action<WorkerOptions> workers, Action<IClientBuilder>? client = null, TestHooks? hooks = null, Action<SweepPolicy>? policy = null, Action<ISiloBuilder>? silo = null, int silos = 2)
    {
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.ConfigureSilo((_, s) =>
        {
            s.AddMeanFieldCluster(workers, policy, hooks)
                .AddMemoryGrainStorage(GrainKeys.Storage)
                .UseInMemoryReminderService();
            silo?.Invoke(s);
        });
        if (client is not null)
        {
            builder.ConfigureClient(client);
        }

        InProcessTestCluster cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>Polls the sweep until it is no longer running (at most ten minutes: generous, for loaded machines and the suite-level test hooks).</summary>
    public static async Task<SweepStatus> WaitForCompletion(ISweepGrain sweep)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        while (true)
        {
            SweepStatus status = await sweep.GetStatus();
            if (status.State != SweepState.Running)
            {
                return status;
            }

            await Task.Delay(100, timeout.Token);
        }
    }
}

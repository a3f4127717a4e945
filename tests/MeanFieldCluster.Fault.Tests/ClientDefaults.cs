using System.Runtime.CompilerServices;

namespace MeanFieldCluster.Fault.Tests;

/// <summary>Settings every mfc client of these tests gets, in process or as a child process.</summary>
internal static class ClientDefaults
{
    /// <summary>
    /// The tests' clients wait up to 2 minutes for a cluster (mfc --connect-timeout; 20 s by default): on a loaded
    /// 2-core machine, a client connecting through a network namespace or to silos still starting once took
    /// longer than 20 s (PartitionTests, CI). Tests of the timeout itself pass --connect-timeout explicitly.
    /// </summary>
#pragma warning disable CA2255 // A test assembly's process-wide default, set before any test runs a client.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Apply()
    {
        if (Environment.GetEnvironmentVariable("MFC_CONNECT_TIMEOUT") is null)
        {
            Environment.SetEnvironmentVariable("MFC_CONNECT_TIMEOUT", "120");
        }
    }
}

using System.Globalization;

namespace MeanFieldCluster.Fault.Tests;

/// <summary>
/// Several "hosts" on one machine: each a Linux network namespace with one veth link to a bridge in a
/// hub namespace, at a private address that exists only inside these namespaces (10.231.0.0/24; the
/// machine's own namespace is never touched). Every namespace is created here and deleted on dispose.
/// </summary>
internal sealed class NetworkLab : IDisposable
{
    private const string Subnet = "10.231.0.";
    private readonly string _prefix = $"mfc{Guid.NewGuid().ToString("N")[..6]}";
    private readonly List<string> _namespaces = [];
    private readonly Dictionary<string, string> _addresses = [];

    public NetworkLab()
    {
        Create(Hub);
        Ip("-n", Hub, "link", "set", "lo", "up");
        Ip("-n", Hub, "link", "add", "br0", "type", "bridge");
        Ip("-n", Hub, "link", "set", "br0", "up");
    }

    private string Hub => $"{_prefix}-hub";

    /// <summary>Adds host <paramref name="name"/> at 10.231.0.<paramref name="octet"/>; returns the address.</summary>
    public string AddHost(string name, int octet)
    {
        string ns = Namespace(name);
        string address = Subnet + octet.ToString(CultureInfo.InvariantCulture);
        Create(ns);
        Ip("-n", Hub, "link", "add", Link(name), "type", "veth", "peer", "name", "eth0", "netns", ns);
        Ip("-n", Hub, "link", "set", Link(name), "master", "br0");
        Ip("-n", Hub, "link", "set", Link(name), "up");
        Ip("-n", ns, "link", "set", "lo", "up");
        Ip("-n", ns, "addr", "add", $"{address}/24", "dev", "eth0");
        Ip("-n", ns, "link", "set", "eth0", "up");
        _addresses[name] = address;
        return address;
    }

    public string Address(string name) => _addresses[name];

    /// <summary>Starts a process inside host <paramref name="name"/>'s namespace (ip netns exec keeps the process id).</summary>
    public ChildProcess Start(string name, string file, IEnumerable<string> arguments, IDictionary<string, string>? environment = null) =>
        new("ip", ["netns", "exec", Namespace(name), file, .. arguments], environment: environment);

    /// <summary>Cuts host <paramref name="name"/>'s link at the bridge: a partition; its processes keep running.</summary>
    public void Cut(string name) => Ip("-n", Hub, "link", "set", Link(name), "down");

    /// <summary>Mends the link <see cref="Cut"/> cut.</summary>
    public void Mend(string name) => Ip("-n", Hub, "link", "set", Link(name), "up");

    /// <summary>Deletes every namespace (and with them the veth pairs and the bridge); processes must be gone first.</summary>
    public void Dispose()
    {
        foreach (string ns in Enumerable.Reverse(_namespaces))
        {
            Prerequisites.Run("ip", "netns", "del", ns);
        }
    }

    private static string Link(string name) => $"v{name}";

    private string Namespace(string name) => $"{_prefix}-{name}";

    private void Create(string ns)
    {
        Ip("netns", "add", ns);
        _namespaces.Add(ns);
    }

    private static void Ip(params string[] args)
    {
        var (code, output) = Prerequisites.Run("ip", args);
        if (code != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', args)} failed ({code}): {output}");
        }
    }
}

using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace MeanFieldCluster.Fault.Tests;

/// <summary>
/// deploy/k8s parsed as Kubernetes would read it: every reference between the manifests (Secret and
/// ConfigMap keys, claims, volumes, Service selectors and ports, NetworkPolicy and PodDisruptionBudget
/// selectors, probes, $(VAR) expansions, the Redis and gateway addresses) resolves. No cluster needed.
/// </summary>
public sealed partial class KubernetesManifestTests
{
    private static readonly string Folder = Path.Combine(Env.RepositoryRoot(), "deploy", "k8s");

    [Fact]
    public void EveryManifestParsesAndEveryReferenceBetweenThemResolves()
    {
        Manifests k = Manifests.Load(Folder);
        var problems = new List<string>();

        foreach (Resource r in k.Resources)
        {
            if (r.Text("apiVersion") is null || r.Text("metadata", "name") is null)
            {
                problems.Add($"{r}: apiVersion and metadata.name are required");
            }
        }

        // Workloads: selectors pick their own template; volumes, claims, Secrets, ConfigMaps, probes and
        // $(VAR) expansions resolve.
        foreach (Resource w in k.Workloads)
        {
            Dictionary<string, string> labels = w.Labels("spec", "template", "metadata", "labels");
            if (w.Kind == "Deployment" && !Matches(w.Labels("spec", "selector", "matchLabels"), labels))
            {
                problems.Add($"{w}: spec.selector.matchLabels does not match the pod template's labels");
            }

            YamlMappingNode pod = w.Map("spec", "template", "spec")!;
            HashSet<string> volumes = [.. Items(pod, "volumes").Select(v => Text(v, "name")!)];
            foreach (YamlMappingNode volume in Items(pod, "volumes"))
            {
                if (Text(volume, "persistentVolumeClaim", "claimName") is { } claim && !k.Defines("PersistentVolumeClaim", claim))
                {
                    problems.Add($"{w}: volume {Text(volume, "name")} claims {claim}, which no manifest defines");
                }

                if (Text(volume, "configMap", "name") is { } map && !k.Defines("ConfigMap", map))
                {
                    problems.Add($"{w}: volume {Text(volume, "name")} mounts ConfigMap {map}, which is not generated or defined");
                }

                if (Text(volume, "secret", "secretName") is { } secret)
                {
                    foreach (string key in Items((YamlMappingNode)volume.Children["secret"], "items").Select(i => Text(i, "key")!).Where(key => !k.SecretHas(secret, key)))
                    {
                        problems.Add($"{w}: volume {Text(volume, "name")} mounts key {key} of Secret {secret}, which is not generated");
                    }
                }
            }

            foreach (YamlMappingNode container in Items(pod, "containers"))
            {
                string name = Text(container, "name")!;
                HashSet<string> ports = [.. Items(container, "ports").Select(p => Text(p, "name")!)];
                HashSet<string> portNumbers = [.. Items(container, "ports").Select(p => Text(p, "containerPort")!)];
                foreach (YamlMappingNode mount in Items(container, "volumeMounts"))
                {
                    if (!volumes.Contains(Text(mount, "name")!))
                    {
                        problems.Add($"{w}/{name}: volumeMount {Text(mount, "name")} names no volume of the pod");
                    }
                }

                foreach (string probe in new[] { "readinessProbe", "livenessProbe" })
                {
                    string? port = Text(container, probe, "tcpSocket", "port") ?? Text(container, probe, "httpGet", "port");
                    if (port is not null && !ports.Contains(port) && !portNumbers.Contains(port))
                    {
                        problems.Add($"{w}/{name}: {probe} uses port {port}, which the container does not declare");
                    }
                }

                var defined = new List<string>();
                foreach (YamlMappingNode env in Items(container, "env"))
                {
                    string variable = Text(env, "name")!;
                    if (Text(env, "valueFrom", "secretKeyRef", "name") is { } secret && !k.SecretHas(secret, Text(env, "valueFrom", "secretKeyRef", "key")!))
                    {
                        problems.Add($"{w}/{name}: {variable} reads key {Text(env, "valueFrom", "secretKeyRef", "key")} of Secret {secret}, which is not generated");
                    }

                    if (Text(env, "valueFrom", "resourceFieldRef", "containerName") is { } target && target != name)
                    {
                        problems.Add($"{w}/{name}: {variable} reads the resources of container {target}, not its own");
                    }

                    foreach (string used in Expansions(Text(env, "value") ?? "").Where(u => !defined.Contains(u)))
                    {
                        problems.Add($"{w}/{name}: {variable} expands $({used}), which is not defined before it");
                    }

                    defined.Add(variable);
                }

                if (EnvValue(container, "MFC_Silo__HttpPort") is { } httpPort && !portNumbers.Contains(httpPort))
                {
                    problems.Add($"{w}/{name}: the HTTP endpoint's port {httpPort} is not a declared containerPort");
                }

                // Every Redis connection names the Redis Service and its port, with the Secret's password.
                foreach (string variable in new[] { "MFC_Silo__Redis", "MFC_REDIS" })
                {
                    if (EnvValue(container, variable) is { } redis)
                    {
                        string[] parts = redis.Split(',');
                        string[] endpoint = parts[0].Split(':');
                        if (!k.ServicePort(endpoint[0], endpoint[1]))
                        {
                            problems.Add($"{w}/{name}: {variable} points at {parts[0]}, which is no Service port");
                        }

                        if (!parts.Contains("password=$(REDIS_PASSWORD)"))
                        {
                            problems.Add($"{w}/{name}: {variable} carries no password from the Secret");
                        }
                    }
                }
            }
        }

        // Services and policies select pods that exist and name ports those pods declare.
        foreach (Resource s in k.OfKind("Service"))
        {
            List<YamlMappingNode> pods = k.PodsMatching(s.Labels("spec", "selector"));
            if (pods.Count == 0)
            {
                problems.Add($"{s}: its selector matches no pod template");
            }

            foreach (YamlMappingNode port in Items(s.Map("spec")!, "ports"))
            {
                string target = Text(port, "targetPort") ?? Text(port, "port")!;
                if (!pods.Any(p => Manifests.DeclaresPort(p, target)))
                {
                    problems.Add($"{s}: targetPort {target} is not declared by the selected pods");
                }
            }

            CheckScrape(s.Labels("metadata", "annotations"), pods, s.ToString(), problems);
        }

        foreach (Resource w in k.Workloads.Where(w => w.Labels("spec", "template", "metadata", "annotations").ContainsKey("prometheus.io/scrape")))
        {
            CheckScrape(w.Labels("spec", "template", "metadata", "annotations"), [w.Map("spec", "template", "spec")!], w.ToString(), problems);
        }

        foreach (Resource p in k.OfKind("NetworkPolicy"))
        {
            List<YamlMappingNode> pods = k.PodsMatching(p.Labels("spec", "podSelector", "matchLabels"));
            if (pods.Count == 0)
            {
                problems.Add($"{p}: podSelector matches no pod template");
            }

            foreach (YamlMappingNode rule in Items(p.Map("spec")!, "ingress"))
            {
                foreach (YamlMappingNode port in Items(rule, "ports").Where(port => !pods.Any(pod => Manifests.DeclaresPort(pod, Text(port, "port")!))))
                {
                    problems.Add($"{p}: allows port {Text(port, "port")}, which the selected pods do not declare");
                }
            }
        }

        foreach (Resource b in k.OfKind("PodDisruptionBudget").Where(b => k.PodsMatching(b.Labels("spec", "selector", "matchLabels")).Count == 0))
        {
            problems.Add($"{b}: its selector matches no pod template");
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public async Task TheManifestsCoverWhatAnOperatorNeeds()
    {
        Manifests k = Manifests.Load(Folder);
        Resource silo = k.Named("Deployment", "mfc-silo");
        Resource client = k.Named("Job", "mfc-client");
        YamlMappingNode siloContainer = Items(silo.Map("spec", "template", "spec")!, "containers").Single();
        YamlMappingNode clientContainer = Items(client.Map("spec", "template", "spec")!, "containers").Single();

        // The worker count follows requests.cpu; the HTTP endpoint is off loopback, behind a Service.
        YamlMappingNode workers = Items(siloContainer, "env").Single(e => Text(e, "name") == "MFC_Silo__Workers");
        Assert.Equal("requests.cpu", Text(workers, "valueFrom", "resourceFieldRef", "resource"));
        Assert.NotEqual("127.0.0.1", EnvValue(siloContainer, "MFC_Silo__HttpAddress"));
        Assert.NotNull(Items(siloContainer, "env").SingleOrDefault(e => Text(e, "name") == "MFC_Silo__DashboardToken"));
        Assert.True(k.Defines("Service", "mfc-silo-http"));

        // Silos and client agree on the image, the cluster and service ids (and the Orleans labels say the same).
        Assert.Equal(Text(siloContainer, "image"), Text(clientContainer, "image"));
        Assert.Equal(EnvValue(siloContainer, "MFC_Silo__ClusterId"), EnvValue(clientContainer, "MFC_CLUSTER_ID"));
        Assert.Equal(EnvValue(siloContainer, "MFC_Silo__ServiceId"), EnvValue(clientContainer, "MFC_SERVICE_ID"));
        Assert.Equal(EnvValue(siloContainer, "MFC_Silo__ClusterId"), silo.Labels("spec", "template", "metadata", "labels")["orleans/clusterId"]);

        // The client submits the ConfigMap's spec (a key the generator provides, a valid spec) and writes to the results volume.
        string command = string.Join(' ', ((YamlSequenceNode)clientContainer.Children["args"]).Select(a => a.ToString()));
        string specMount = Items(clientContainer, "volumeMounts").Single(m => Text(m, "name") == "spec").Children["mountPath"].ToString();
        string resultsMount = Items(clientContainer, "volumeMounts").Single(m => Text(m, "name") == "results").Children["mountPath"].ToString();
        string specKey = k.ConfigMapKeys("mfc-spec").Single();
        Assert.Contains($"{specMount}/{specKey}", command, StringComparison.Ordinal);
        Assert.Contains($"--out \"{resultsMount}/", command, StringComparison.Ordinal);
        Assert.Equal(0, (await FaultTests.Mfc(["validate", Path.Combine(Folder, specKey)])).Code);

        // Silos and client read csv data from the same read-only claim the data root points at.
        Assert.Equal("/data", EnvValue(siloContainer, "MFC_Silo__DataRoot"));
        Assert.Equal("/data", EnvValue(clientContainer, "MFC_DATA_ROOT"));
        Assert.True(k.Defines("PersistentVolumeClaim", "mfc-data") && k.Defines("PersistentVolumeClaim", "mfc-results"));

        // Redis and the silos' ports only for the namespace; every generated file is listed for kustomize.
        Assert.True(k.OfKind("NetworkPolicy").Count() >= 2);
        Assert.All(k.OfKind("NetworkPolicy").SelectMany(p => Items(p.Map("spec")!, "ingress")), rule => Assert.All(Items(rule, "from"), from => Assert.False(from.Children.ContainsKey(new YamlScalarNode("ipBlock")), "no ipBlock: only pods are allowed in")));
        Assert.Equal(2, k.SecretKeys("mfc-secrets").Count);

        // Mutual TLS (docs/security.md): silos and client read their certificate, key and the CA from files the
        // Secret mfc-tls puts where their settings point.
        foreach (var (container, pod, variables) in new[]
        {
            (siloContainer, silo.Map("spec", "template", "spec")!, new[] { "MFC_Silo__TlsCert", "MFC_Silo__TlsKey", "MFC_Silo__TlsCa" }),
            (clientContainer, client.Map("spec", "template", "spec")!, new[] { "MFC_TLS_CERT", "MFC_TLS_KEY", "MFC_TLS_CA" }),
        })
        {
            YamlMappingNode mount = Items(container, "volumeMounts").Single(m => Text(m, "name") == "tls");
            YamlMappingNode volume = Items(pod, "volumes").Single(v => Text(v, "name") == "tls");
            Assert.Equal("mfc-tls", Text(volume, "secret", "secretName"));
            string[] files = [.. Items((YamlMappingNode)volume.Children["secret"], "items").Select(i => $"{Text(mount, "mountPath")}/{Text(i, "path")}")];
            Assert.All(variables, v => Assert.Contains(EnvValue(container, v), files));
        }
    }

    [Fact]
    public void TheImageContextLeavesOutBuildOutputResultsAndGitAndExposesTheManifestsPorts()
    {
        string root = Env.RepositoryRoot();
        string[] ignored = [.. File.ReadAllLines(Path.Combine(root, ".dockerignore")).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))];
        foreach (string pattern in new[] { ".git", "**/bin", "**/obj", "results", "TestResults", ".cluster", "**/node_modules" })
        {
            Assert.Contains(pattern, ignored);
        }

        // Nothing the build needs is ignored: the sources, the props files and the silo's UI folder.
        Assert.DoesNotContain(ignored, p => p is "*.cs" or "*.csproj" or "silo" or "silo/Web" or "Directory.Packages.props");

        string dockerfile = File.ReadAllText(Path.Combine(root, "deploy", "docker", "Dockerfile"));
        string[] exposed = ExposeLine().Match(dockerfile).Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        YamlMappingNode silo = Items(Manifests.Load(Folder).Named("Deployment", "mfc-silo").Map("spec", "template", "spec")!, "containers").Single();
        Assert.Equal(Items(silo, "ports").Select(p => Text(p, "containerPort")!).Order(), exposed.Order());
    }

    private static void CheckScrape(Dictionary<string, string> annotations, List<YamlMappingNode> pods, string where, List<string> problems)
    {
        if (!annotations.TryGetValue("prometheus.io/scrape", out string? scrape))
        {
            return;
        }

        if (scrape != "true" || !annotations.TryGetValue("prometheus.io/port", out string? port) || !pods.Any(p => Manifests.DeclaresPort(p, port)))
        {
            problems.Add($"{where}: the Prometheus annotations name no port the pods declare");
        }

        if (annotations.GetValueOrDefault("prometheus.io/path") != MeanFieldCluster.Silo.Telemetry.TelemetrySetup.MetricsPath)
        {
            problems.Add($"{where}: prometheus.io/path is not the silo's metrics path {MeanFieldCluster.Silo.Telemetry.TelemetrySetup.MetricsPath}");
        }
    }

    private static bool Matches(Dictionary<string, string> selector, Dictionary<string, string> labels) =>
        selector.Count > 0 && selector.All(s => labels.TryGetValue(s.Key, out string? v) && v == s.Value);

    private static IEnumerable<string> Expansions(string value) => Expansion().Matches(value).Select(m => m.Groups[1].Value);

    private static string? EnvValue(YamlMappingNode container, string name) =>
        Items(container, "env").Where(e => Text(e, "name") == name).Select(e => Text(e, "value")).FirstOrDefault();

    private static IEnumerable<YamlMappingNode> Items(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? child) && child is YamlSequenceNode seq ? seq.Children.OfType<YamlMappingNode>() : [];

    private static string? Text(YamlMappingNode node, params string[] path)
    {
        YamlNode current = node;
        foreach (string key in path)
        {
            if (current is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? next))
            {
                return null;
            }

            current = next;
        }

        return (current as YamlScalarNode)?.Value;
    }

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex Expansion();

    [GeneratedRegex(@"(?m)^EXPOSE\s+([0-9 ]+)$")]
    private static partial Regex ExposeLine();

    /// <summary>One document of a manifest file.</summary>
    private sealed record Resource(string File, string Kind, YamlMappingNode Root)
    {
        public string? Text(params string[] path) => KubernetesManifestTests.Text(Root, path);

        public YamlMappingNode? Map(params string[] path)
        {
            YamlNode current = Root;
            foreach (string key in path)
            {
                if (current is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? next))
                {
                    return null;
                }

                current = next;
            }

            return current as YamlMappingNode;
        }

        public Dictionary<string, string> Labels(params string[] path) =>
            Map(path)?.Children.ToDictionary(c => c.Key.ToString(), c => c.Value.ToString()) ?? [];

        public override string ToString() => $"{File}: {Kind} {Text("metadata", "name")}";
    }

    /// <summary>Every document of deploy/k8s, plus what kustomization.yaml generates (the Secret and the ConfigMap).</summary>
    private sealed class Manifests
    {
        private readonly Dictionary<string, List<string>> _secrets = [];
        private readonly Dictionary<string, List<string>> _configMaps = [];

        public List<Resource> Resources { get; } = [];

        public IEnumerable<Resource> Workloads => Resources.Where(r => r.Kind is "Deployment" or "Job" or "StatefulSet");

        public static Manifests Load(string folder)
        {
            var k = new Manifests();
            YamlMappingNode kustomization = Parse(Path.Combine(folder, "kustomization.yaml")).Single();
            foreach (YamlNode file in (YamlSequenceNode)kustomization.Children["resources"])
            {
                foreach (YamlMappingNode doc in Parse(Path.Combine(folder, file.ToString())))
                {
                    k.Resources.Add(new Resource(file.ToString(), doc.Children["kind"].ToString(), doc));
                }
            }

            Assert.True(Directory.GetFiles(folder, "*.yaml").Select(Path.GetFileName).Where(f => f is not ("kustomization.yaml" or "spec.yaml")).Order().SequenceEqual(((YamlSequenceNode)kustomization.Children["resources"]).Select(r => r.ToString()).Order()), "every manifest in deploy/k8s is listed in kustomization.yaml");
            Generated(kustomization, "secretGenerator", k._secrets, folder, mustExist: false);
            Generated(kustomization, "configMapGenerator", k._configMaps, folder, mustExist: true);
            return k;
        }

        public static bool DeclaresPort(YamlMappingNode pod, string port) =>
            Items(pod, "containers").SelectMany(c => Items(c, "ports")).Any(p => Text(p, "name") == port || Text(p, "containerPort") == port);

        public IEnumerable<Resource> OfKind(string kind) => Resources.Where(r => r.Kind == kind);

        public Resource Named(string kind, string name) => OfKind(kind).Single(r => r.Text("metadata", "name") == name);

        public bool Defines(string kind, string name) =>
            OfKind(kind).Any(r => r.Text("metadata", "name") == name) || (kind == "ConfigMap" && _configMaps.ContainsKey(name)) || (kind == "Secret" && _secrets.ContainsKey(name));

        public bool SecretHas(string name, string key) => _secrets.TryGetValue(name, out List<string>? keys) && keys.Contains(key);

        public List<string> SecretKeys(string name) => _secrets[name];

        public List<string> ConfigMapKeys(string name) => _configMaps[name];

        public bool ServicePort(string service, string port) =>
            OfKind("Service").Any(s => s.Text("metadata", "name") == service && Items(s.Map("spec")!, "ports").Any(p => Text(p, "port") == port));

        public List<YamlMappingNode> PodsMatching(Dictionary<string, string> selector) =>
            [.. Workloads.Where(w => Matches(selector, w.Labels("spec", "template", "metadata", "labels"))).Select(w => w.Map("spec", "template", "spec")!)];

        private static List<YamlMappingNode> Parse(string path)
        {
            var stream = new YamlStream();
            using (var reader = new StreamReader(path))
            {
                stream.Load(reader);
            }

            return [.. stream.Documents.Select(d => (YamlMappingNode)d.RootNode)];
        }

        // name -> keys of a kustomize generator; "key=file" entries name the key, plain files use the file name.
        private static void Generated(YamlMappingNode kustomization, string generator, Dictionary<string, List<string>> into, string folder, bool mustExist)
        {
            foreach (YamlMappingNode entry in ((YamlSequenceNode)kustomization.Children[generator]).Cast<YamlMappingNode>())
            {
                var keys = new List<string>();
                foreach (string file in ((YamlSequenceNode)entry.Children["files"]).Select(f => f.ToString()))
                {
                    string[] parts = file.Split('=', 2);
                    keys.Add(parts[0]);
                    Assert.True(!mustExist || File.Exists(Path.Combine(folder, parts[^1])), $"{generator} {entry.Children["name"]}: {parts[^1]} is missing");
                }

                into[entry.Children["name"].ToString()] = keys;
            }
        }
    }
}

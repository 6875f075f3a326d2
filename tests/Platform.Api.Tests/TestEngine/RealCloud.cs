using Platform.Api.Tests.Compute;
using Platform.HostAgent.Libvirt;
using Platform.Tests.Common;

namespace Platform.Api.Tests.TestEngine;

/// <summary>
/// The cloud with nothing simulated: the API process and one HostAgent process on qemu:///system (and this
/// machine's Open vSwitch), enrolled with a join token, the test image published through the API.
/// Leaves the host as it found it: guests, the agent's storage pool and its files are removed.
/// </summary>
public sealed class RealCloud : IAsyncDisposable
{
    private readonly string _work;
    private readonly string _pool;
    private readonly int _port;
    private readonly List<string> _instances = [];
    private readonly Dictionary<string, string> _agentSettings;
    private readonly IReadOnlyDictionary<string, string>? _apiSettings;

    private RealCloud(string work, string pool, int port, ApiProcess api, AgentProcess agent, Dictionary<string, string> agentSettings, SlowLink? link,
        HttpClient root, string imageId, TestImage image, IReadOnlyDictionary<string, string>? apiSettings, string startTimeline)
    {
        _apiSettings = apiSettings;
        StartTimeline = startTimeline;
        Image = image;
        _work = work;
        _pool = pool;
        _port = port;
        Api = api;
        Agent = agent;
        _agentSettings = agentSettings;
        Link = link;
        Root = root;
        ImageId = imageId;
    }

    public ApiProcess Api { get; private set; }

    /// <summary>
    /// Where <see cref="StartAsync"/> spent its time, each step's end from its start ("image 0.1 s, api 9.8 s, ..."): the
    /// fixed cost of a real-guest test, printed by the classes that start a cloud so a run's log shows where its time went.
    /// </summary>
    public string StartTimeline { get; }

    public AgentProcess Agent { get; private set; }

    /// <summary>The relay the agent reaches the API through, when started with one: its speed is the test's to set.</summary>
    public SlowLink? Link { get; }

    /// <summary>Signed with the management account's root key, for the service ec2.</summary>
    public HttpClient Root { get; }

    public string ImageId { get; }

    /// <summary>The test image's files, as published under <see cref="ImageId"/>.</summary>
    internal TestImage Image { get; }

    public LibvirtConnection Libvirt { get; } = LibvirtConnection.Open("qemu:///system");

    public string AgentState => Path.Combine(_work, "agent");

    public string ConsoleOf(string instanceId) => Path.Combine(AgentState, "console", $"{instanceId}.log");

    /// <summary>The agent's storage pool on qemu:///system (images, instance disks, block volumes).</summary>
    public string PoolName => _pool;

    /// <param name="networking">False: the agent leaves Open vSwitch alone and guests get no NIC (tests of other things).</param>
    /// <param name="slowLink">The agent dials the API through a <see cref="SlowLink"/> (unlimited until the test slows it).</param>
    /// <param name="apiSettings">Further settings of the API, as environment variables (<c>Network__PublicAddresses__Cidr</c>, ...).</param>
    /// <param name="agentSettings">Further settings of the agent, as environment variables (<c>Agent__Bridge</c>, <c>Agent__Uplink__Interface</c>, ...).</param>
    public static async Task<RealCloud> StartAsync(bool networking = true, bool slowLink = false, IReadOnlyDictionary<string, string>? apiSettings = null,
        IReadOnlyDictionary<string, string>? agentSettings = null)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var timeline = new List<string>();
        void Step(string name) => timeline.Add($"{name} {watch.Elapsed.TotalSeconds:0.0} s");
        var work = Directory.CreateTempSubdirectory("platform-e2e-").FullName;
        var image = TestImage.Build(TestImage.TestImageDirectory);
        Step("image");
        var port = ApiProcess.FreePort();
        var pool = $"platform-e2e-{Guid.NewGuid():N}"[..24];
        // HTTPS as ./platform.sh up serves it: the agent pins the platform CA the API made (through the slow link too: it relays TCP).
        var api = await ApiProcess.StartAsync(Path.Combine(work, "api"), apiSettings, port: port, tls: true);
        Step("api");
        HttpClient? root = null;
        SlowLink? link = null;
        AgentProcess? agent = null;
        Dictionary<string, string> settings;
        string imageId;
        try
        {
            root = new HttpClient(new SdkSigningHandler(api.RootCredentials()) { InnerHandler = api.CreateHandler() }) { BaseAddress = api.BaseAddress };
            var token = await (await root.PostJsonAsync("/api/v1/ec2/hosts/join-tokens", new { })).AssertOkAsync();
            link = slowLink ? new SlowLink(api.BaseAddress) : null;
            settings = new Dictionary<string, string>
            {
                ["Agent__ApiUrl"] = (link?.Address ?? api.BaseAddress).ToString(),
                ["Agent__ApiCaCertificate"] = api.CaCertificatePath!,
                ["Agent__JoinToken"] = token.GetProperty("join_token").GetString()!,
                ["Agent__StateDirectory"] = Path.Combine(work, "agent"),
                ["Agent__LibvirtUri"] = "qemu:///system",
                ["Agent__StoragePool"] = pool,
                ["Agent__HostName"] = "e2e-server",
                // /dev/kvm exists on the lab machines but KVM guests hang there (LAB-NOTES): software emulation.
                ["Agent__DomainType"] = "qemu",
                ["Agent__HeartbeatInterval"] = "00:00:01",
                // The test image powers off on the ACPI button within a second or two; one that has not by then is powered off.
                ["Agent__StopDeadline"] = "00:00:10",
            };
            if (!networking)
            {
                settings["Agent__Networking"] = "false";
            }

            foreach (var (name, value) in agentSettings ?? new Dictionary<string, string>())
            {
                settings[name] = value;
            }

            agent = AgentProcess.Start(settings);
            await Eventually.TrueAsync(async () => (await root.HostsAsync()).GetArrayLength() == 1, TimeSpan.FromSeconds(120),
                $"the agent did not enrol; its log:\n{agent.Output}");
            Step("agent enrolled");
            imageId = await root.RegisterKernelImageAsync("platform-test-image", await File.ReadAllBytesAsync(image.Kernel),
                await File.ReadAllBytesAsync(image.Initrd), isPublic: true, commandLine: "console=ttyS0 quiet no_timer_check cryptomgr.notests");
            Step("image registered");
        }
        catch
        {
            // A cloud that did not come up leaves nothing behind either: its API and agent processes would outlive the test
            // (and load the machine for the classes after it), its storage pool stay defined.
            if (agent is not null)
            {
                await agent.DisposeAsync();
            }

            if (link is not null)
            {
                await link.DisposeAsync();
            }

            await api.DisposeAsync();
            root?.Dispose();
            using (var libvirt = LibvirtConnection.Open("qemu:///system"))
            {
                RemovePool(libvirt, pool, Path.Combine(work, "agent"));
            }

            Directory.Delete(work, recursive: true);
            throw;
        }

        return new RealCloud(work, pool, port, api, agent, settings, link, root, imageId, image, apiSettings, string.Join(", ", timeline));
    }

    /// <summary>The host id the agent enrolled as.</summary>
    public async Task<string> HostIdAsync() => (await Root.HostsAsync())[0].GetProperty("host_id").GetString()!;

    /// <summary>Kills the agent with SIGKILL, as a crash would; its guests keep running.</summary>
    public Task KillAgentAsync() => Agent.KillAsync();

    /// <summary>Starts the agent again after <see cref="KillAgentAsync"/>, on the same state: it has its credential, so it needs no token.</summary>
    public async Task StartAgentAsync()
    {
        await Agent.DisposeAsync();
        var settings = new Dictionary<string, string>(_agentSettings);
        settings.Remove("Agent__JoinToken");
        Agent = AgentProcess.Start(settings);
    }

    /// <summary>
    /// The instance domains on this machine's libvirt that this cloud's agent owns (by the host id in their metadata),
    /// whoever else runs guests beside them, with whether each is running.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, bool>> OwnedDomainsAsync()
    {
        var hostId = await HostIdAsync();
        System.Xml.Linq.XNamespace platform = DomainDefinition.MetadataNamespace;
        var owned = new SortedDictionary<string, bool>(StringComparer.Ordinal);
        foreach (var domain in Libvirt.ListDomains())
        {
            using (domain)
            {
                var name = domain.Name;
                if (!name.StartsWith("i-", StringComparison.Ordinal))
                {
                    continue;
                }

                try
                {
                    var owner = System.Xml.Linq.XDocument.Parse(domain.GetXml()).Root?.Element("metadata")?.Element(platform + "instance")?.Element(platform + "host")?.Value;
                    if (owner == hostId)
                    {
                        owned.Add(name, domain.IsActive);
                    }
                }
                catch (LibvirtException)
                {
                    // Another test's domain, undefined between the listing and the look.
                }
            }
        }

        return owned;
    }

    /// <summary>Launches and remembers the instance, so it is cleaned up whatever happens.</summary>
    public async Task<string> LaunchAsync(object request)
    {
        var id = (await Root.LaunchAsync(request)).GetProperty("instance_id").GetString()!;
        _instances.Add(id);
        return id;
    }

    public void Remember(string instanceId) => _instances.Add(instanceId);

    /// <summary>Kills the API (as a crash would) and starts it again on the same data and port.</summary>
    public async Task RestartApiAsync()
    {
        await Api.KillAsync();
        await Api.DisposeAsync();
        Api = await ApiProcess.StartAsync(Path.Combine(_work, "api"), _apiSettings, port: _port, tls: true);
    }

    public async Task ConsoleShowsAsync(string instanceId, string text, TimeSpan? timeout = null, int from = 0)
    {
        var console = ConsoleOf(instanceId);
        await Eventually.TrueAsync(() => Task.FromResult(ConsoleText(instanceId, from).Contains(text, StringComparison.Ordinal)),
            timeout ?? TimeSpan.FromSeconds(90),
            $"the console of {instanceId} never showed '{text}'; console:\n{ConsoleText(instanceId, 0)}\nagent log:\n{Agent.Output}");
    }

    /// <summary>The console from a character offset on (what the guest printed since a moment).</summary>
    public string ConsoleText(string instanceId, int from)
    {
        var console = ConsoleOf(instanceId);
        if (!File.Exists(console))
        {
            return "";
        }

        using var stream = new FileStream(console, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var text = new StreamReader(stream).ReadToEnd();
        return from < text.Length ? text[from..] : "";
    }

    public async ValueTask DisposeAsync()
    {
        await Agent.DisposeAsync();
        if (Link is not null)
        {
            await Link.DisposeAsync();
        }

        await Api.DisposeAsync();
        Root.Dispose();
        foreach (var id in _instances)
        {
            try
            {
                using var domain = Libvirt.FindDomain(id);
                if (domain is not null)
                {
                    if (domain.IsActive)
                    {
                        domain.Destroy();
                    }

                    domain.Undefine();
                }
            }
            catch (LibvirtException)
            {
                // Already gone: the agent removed it between the lookup and the undefine.
            }
        }

        RemovePool(Libvirt, _pool, AgentState);
        Libvirt.Dispose();
        Directory.Delete(_work, recursive: true);
    }

    /// <summary>The agent's storage pool and the volumes in it (its files under the agent's state directory), when it made one.</summary>
    private static void RemovePool(LibvirtConnection libvirt, string name, string agentState)
    {
        using var pool = libvirt.FindStoragePool(name);
        if (pool is null)
        {
            return;
        }

        pool.Refresh();
        var directory = Path.Combine(agentState, "pool");
        foreach (var file in Directory.Exists(directory) ? Directory.GetFiles(directory).Select(Path.GetFileName) : [])
        {
            using var volume = pool.FindVolume(file!);
            volume?.Delete();
        }

        pool.Stop();
        pool.Undefine();
    }
}

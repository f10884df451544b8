using System.Globalization;
using Reimzul.Processes;

namespace Reimzul.Tests.Support;

/// <summary>
/// Test hosts as network namespaces on a private bridge (which lives in a namespace of its own,
/// so the machine's own network is untouched). Needs root and iproute2.
/// </summary>
public sealed class TestNetwork : IAsyncDisposable
{
    private readonly string _prefix;
    private readonly int _subnet;
    private readonly Dictionary<string, int> _hosts = [];

    private TestNetwork(string prefix, int subnet)
    {
        _prefix = prefix;
        _subnet = subnet;
    }

    private string Hub => $"{_prefix}-hub";

    public static async Task<TestNetwork> CreateAsync(params string[] hosts)
    {
        var id = Random.Shared.Next(100, 999);
        var network = new TestNetwork($"rz{id}", Random.Shared.Next(10, 250));
        try
        {
            await Ip("netns", "add", network.Hub);
            await Ip("-n", network.Hub, "link", "add", "br0", "type", "bridge");
            await Ip("-n", network.Hub, "link", "set", "br0", "up");
            foreach (var host in hosts)
            {
                await network.AddHostAsync(host);
            }
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }
        return network;
    }

    /// <summary>The host's address, e.g. 10.77.31.2.</summary>
    public string Address(string host) => $"10.77.{_subnet.ToString(CultureInfo.InvariantCulture)}.{_hosts[host].ToString(CultureInfo.InvariantCulture)}";

    public string Namespace(string host) => $"{_prefix}-{host}";

    /// <summary>The same program, run inside the host's namespace.</summary>
    public ProcessSpec In(string host, ProcessSpec spec) =>
        spec with { FileName = "ip", Arguments = ["netns", "exec", Namespace(host), spec.FileName, .. spec.Arguments] };

    private async Task AddHostAsync(string host)
    {
        var index = _hosts.Count + 2;
        _hosts[host] = index;
        var ns = Namespace(host);
        var inside = $"{_prefix}h{index}";
        var outside = $"{_prefix}b{index}";
        await Ip("netns", "add", ns);
        await Ip("link", "add", inside, "type", "veth", "peer", "name", outside);
        await Ip("link", "set", inside, "netns", ns);
        await Ip("link", "set", outside, "netns", Hub);
        await Ip("-n", Hub, "link", "set", outside, "master", "br0");
        await Ip("-n", Hub, "link", "set", outside, "up");
        await Ip("-n", ns, "addr", "add", $"{Address(host)}/24", "dev", inside);
        await Ip("-n", ns, "link", "set", inside, "up");
        await Ip("-n", ns, "link", "set", "lo", "up");
    }

    private static async Task Ip(params string[] arguments)
    {
        var result = await ProcessRunner.Default.RunAsync(new ProcessSpec("ip", arguments) { Timeout = TimeSpan.FromSeconds(20) });
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', arguments)} failed: {result.StandardError}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var ns in _hosts.Keys.Select(Namespace).Append(Hub))
        {
            // Deleting a namespace removes its veth ends; processes started in it are the test's to stop.
            await ProcessRunner.Default.RunAsync(new ProcessSpec("ip", ["netns", "del", ns]));
        }
    }
}

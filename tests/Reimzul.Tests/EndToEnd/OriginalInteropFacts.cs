using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.EndToEnd;

/// <summary>
/// Mixed deployments: a job put exactly as the original <c>reimzul_submit.py</c> put it is built by our
/// worker (many-machines mode on one host: beanstalkd, controller, bstore), and the events on <c>notify</c>
/// carry every field the original notifier reads.
/// </summary>
public sealed class OriginalInteropFacts(BeanstalkdServer beanstalkd) : IClassFixture<BeanstalkdServer>, IDisposable
{
    private static readonly string[] FieldsTheOriginalNotifierReads =
        ["srpm", "timestamp", "arch", "builder_fqdn", "status", "evr", "scratch", "submitter", "target", "pkgname"];

    private readonly Installation _install = new();

    [Fact]
    public async Task AJobPutByTheOriginalSubmitToolIsBuiltAndItsEventsCarryTheOriginalFields()
    {
        await ConfigureManyMachinesOnOneHostAsync();
        var srpm = await _install.MakeSrpmAsync(SrpmFactory.NoarchSpec("legacy"));
        Directory.CreateDirectory(Path.Combine(_install.DataDir, "incoming"));
        File.Copy(srpm, Path.Combine(_install.DataDir, "incoming", Path.GetFileName(srpm)));

        await using var controller = _install.Start("controller");
        await using var bstore = _install.Start("bstore");
        await using var worker = _install.Start("worker");
        await worker.WaitForLineAsync("waiting for jobs on x86_64");

        // What reimzul_submit.py sends: json.dumps of its dict, priority 8192, on the arch's tube.
        using var raw = await ConnectAsync();
        const string Body = """{"srpm": "legacy-1.0-1.src.rpm", "arch": "x86_64", "target": "c7.x86_64", "disttag": ".el7", "scratch": false, "submitter": "jdoe"}""";
        Assert.Equal("USING x86_64", await raw.CommandAsync("use x86_64"));
        await raw.SendAsync($"put 8192 0 120 {Encoding.UTF8.GetByteCount(Body)}\r\n{Body}\r\n");
        Assert.StartsWith("INSERTED", await raw.ReadLineAsync(), StringComparison.Ordinal);

        // Read notify as the original notifier would.
        Assert.StartsWith("WATCHING", await raw.CommandAsync("watch notify"), StringComparison.Ordinal);
        Assert.StartsWith("WATCHING", await raw.CommandAsync("ignore default"), StringComparison.Ordinal);
        var events = new List<JsonElement>();
        while (!events.Any(e => e.GetProperty("status").GetString() is "Success" or "Failed"))
        {
            var reply = await raw.CommandAsync("reserve-with-timeout 60");
            Assert.True(reply.StartsWith("RESERVED", StringComparison.Ordinal), $"no event on notify: {reply}\n{worker.Output}");
            var parts = reply.Split(' ');
            var body = await raw.ReadBodyAsync(int.Parse(parts[2], CultureInfo.InvariantCulture));
            events.Add(JsonDocument.Parse(body).RootElement.Clone());
            Assert.Equal("DELETED", await raw.CommandAsync($"delete {parts[1]}"));
        }

        Assert.Equal(["Building", "Success"], events.Select(e => e.GetProperty("status").GetString()));
        foreach (var e in events)
        {
            foreach (var field in FieldsTheOriginalNotifierReads)
            {
                Assert.True(e.TryGetProperty(field, out _), $"event lacks '{field}': {e}");
            }
            Assert.Equal("legacy-1.0-1.src.rpm", e.GetProperty("srpm").GetString());
            Assert.Equal("c7.x86_64", e.GetProperty("target").GetString());
            Assert.Equal("jdoe", e.GetProperty("submitter").GetString());
            Assert.False(e.GetProperty("scratch").GetBoolean());
            Assert.Equal("1.0-1", e.GetProperty("evr").GetString());
            Assert.Equal("legacy", e.GetProperty("pkgname").GetString());
            Assert.Matches("^[0-9]{14}$", e.GetProperty("timestamp").GetString());
        }
        Assert.Single(events.Select(e => e.GetProperty("build_id").GetString()).Distinct());

        // The result reached bstore over HTTP and the repo was regenerated there.
        await _install.WaitForRepoAsync("c7.x86_64", "legacy-1.0-1.el7.noarch");
    }

    [Fact]
    public async Task UpWithBeanstalkdRunsEveryRoleAndSubmitGoesThroughTheController()
    {
        await ConfigureManyMachinesOnOneHostAsync();
        var srpm = await _install.MakeSrpmAsync(SrpmFactory.NoarchSpec("via-controller"));
        await using var up = await _install.StartUpAsync(workers: 1);

        var submitted = await _install.RunAsync("submit", "-s", srpm, "-a", "x86_64", "-t", "c7.up-beanstalkd", "-d", ".el7");
        Assert.True(submitted.Succeeded, submitted.StandardError + up.Output);
        Assert.Contains("by builder", submitted.StandardOutput, StringComparison.Ordinal);

        var lines = await _install.WaitForResultsAsync("via-controller-1.0-1.src.rpm", "x86_64");
        Assert.Equal("Success", lines[^1].Status);
        Assert.Equal("builder", lines[^1].Submitter);
        await _install.WaitForRepoAsync("c7.up-beanstalkd.x86_64", "via-controller-1.0-1.el7.noarch");
    }

    /// <summary>beanstalkd, controller and bstore on this host, authenticated by one token (named "builder", the worker's fqdn).</summary>
    private async Task ConfigureManyMachinesOnOneHostAsync()
    {
        var (controllerPort, bstorePort) = (BeanstalkdServer.FreePort(), BeanstalkdServer.FreePort());
        var (tokens, token) = (Path.Combine(_install.Sources, "tokens"), Path.Combine(_install.Sources, "token"));
        await File.WriteAllTextAsync(tokens, "interop-token-0123456789 builder\n");
        await File.WriteAllTextAsync(token, "interop-token-0123456789\n");
        await File.AppendAllTextAsync(_install.ConfigFile, $"""

            [queue]
            backend = beanstalkd
            host = 127.0.0.1
            port = {beanstalkd.Port}

            [controller]
            url = http://127.0.0.1:{controllerPort}/
            listen = 127.0.0.1
            port = {controllerPort}
            tokens = {tokens}
            token_file = {token}

            [bstore]
            url = http://127.0.0.1:{bstorePort}/
            listen = 127.0.0.1
            port = {bstorePort}
            tokens = {tokens}
            token_file = {token}
            """);
        // bstore takes results only under the name their upload authenticates as: the token's.
        await File.WriteAllTextAsync(_install.ConfigFile, IniText.Set(await File.ReadAllTextAsync(_install.ConfigFile), "builder", "fqdn", "builder"));
    }

    private async Task<RawBeanstalkConnection> ConnectAsync()
    {
        var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", beanstalkd.Port);
        return new RawBeanstalkConnection(client);
    }

    public void Dispose() => _install.Dispose();
}

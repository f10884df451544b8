using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text.RegularExpressions;
using Reimzul.Processes;
using Reimzul.Tests.Support;

// Submit-to-repodata latency of Reimzul against a bare rpmbuild + createrepo_c of the same
// SRPMs, measured interleaved in one run; then a burst of SRPMs into one target.
if (args.Length > 0 && args[0] is "mass" or "growth")
{
    return await MassBench.RunAsync(args);
}
var options = BenchOptions.Parse(args);
var work = Path.Combine(Path.GetTempPath(), $"reimzul-bench-{Environment.ProcessId}");
Directory.CreateDirectory(work);
var runner = ProcessRunner.Default;
try
{
    if (options.Hosts)
    {
        return await AcrossHostsAsync();
    }
    Console.WriteLine($"reimzul: {options.Reimzul}; {options.Iterations} iterations, burst of {options.Burst} with {options.Workers} workers");
    var srpms = await MakeSrpmsAsync(work, "benchlat", options.Iterations * 2 + 1);
    var burst = await MakeSrpmsAsync(work, "benchburst", options.Burst);

    // Start-up: the program an operator types, against the cost of starting any process at all.
    var floor = new List<double>();
    var startup = new List<double>();
    for (var i = 0; i < 30; i++)
    {
        floor.Add(await TimeAsync(new ProcessSpec("/bin/true", [])));
        startup.Add(await TimeAsync(new ProcessSpec(options.Reimzul, ["--version"])));
    }
    Console.WriteLine($"start-up, median of 30: reimzul --version {Median(startup):0.0} ms, /bin/true {Median(floor):0.0} ms (ratio {Median(startup) / Median(floor):0.0}x)");

    var data = Path.Combine(work, "data");
    var upLog = Path.Combine(work, "up.log");
    using var up = UpProcess.Start(options.Reimzul, data, options.Workers, upLog);
    await WaitForAsync(() => File.Exists(upLog) && File.ReadAllText(upLog).Contains("waiting for jobs on x86_64", StringComparison.Ordinal), TimeSpan.FromSeconds(60));

    // Warm-up: first build pays for caches on both sides.
    await BaselineAsync(work, srpms[0]);
    await ReimzulAsync(options, data, srpms[0], "bench");

    if (options.SandboxAb)
    {
        var code = await SandboxAbAsync(data, upLog, srpms);
        up.Kill();
        return code;
    }

    var baseline = new List<double>();
    var reimzul = new List<double>();
    for (var i = 0; i < options.Iterations; i++)
    {
        baseline.Add(await BaselineAsync(work, srpms[1 + 2 * i]));
        reimzul.Add(await ReimzulAsync(options, data, srpms[2 + 2 * i], "bench"));
        Console.WriteLine($"  iteration {i + 1}: bare {baseline[^1]:0} ms, reimzul {reimzul[^1]:0} ms");
    }
    var (mb, mr) = (Median(baseline), Median(reimzul));
    Console.WriteLine();
    Console.WriteLine($"submit → listed in repodata, median of {options.Iterations}:");
    Console.WriteLine($"  bare rpmbuild --rebuild + createrepo_c --update : {mb:0} ms");
    Console.WriteLine($"  reimzul submit → repodata (up, embedded)         : {mr:0} ms");
    Console.WriteLine($"  overhead                                          : {mr - mb:0} ms (ratio {mr / mb:0.00}x)");

    // Burst: all at once, then wait until every package is listed.
    var sw = Stopwatch.StartNew();
    foreach (var srpm in burst)
    {
        await SubmitAsync(options, data, srpm, "burst");
    }
    var submitted = sw.Elapsed;
    var repo = Path.Combine(data, "bstore", "repo", "burst.x86_64");
    var names = burst.Select(NameOf).ToHashSet();
    await WaitForAsync(() => ListedNames(repo).IsSupersetOf(names), TimeSpan.FromMinutes(15));
    var total = sw.Elapsed;
    await Task.Delay(1000);
    var runs = File.ReadAllLines(upLog).Count(l => l.Contains("running: createrepo_c", StringComparison.Ordinal) && l.Contains("burst.x86_64", StringComparison.Ordinal));
    Console.WriteLine();
    Console.WriteLine($"burst: {options.Burst} SRPMs to one target, {options.Workers} workers");
    Console.WriteLine($"  submitted in {submitted.TotalSeconds:0.0} s, all {ListedNames(repo).Intersect(names).Count()} listed in repodata after {total.TotalSeconds:0.0} s");
    Console.WriteLine($"  createrepo_c runs: {runs} (one per build would be {options.Burst})");

    up.Kill();
    return 0;
}
finally
{
    Directory.Delete(work, recursive: true);
}

// The single build with sandboxes made before their job against one `reimzul up` that makes each build's sandbox as
// the build starts ([builder] prestart_sandbox = false), both idle but for the build, and the bare tools, in turn.
async Task<int> SandboxAbAsync(string prestartedData, string prestartedLog, List<string> srpms)
{
    var coldData = Path.Combine(work, "data-cold");
    var coldConfig = Path.Combine(work, "cold.ini");
    await File.WriteAllTextAsync(coldConfig, "[builder]\nprestart_sandbox = false\n[web]\nport = 11083\n");
    var coldLog = Path.Combine(work, "up-cold.log");
    using var cold = UpProcess.Start(options.Reimzul, coldData, options.Workers, coldLog, coldConfig);
    try
    {
        await WaitForAsync(() => File.Exists(coldLog) && File.ReadAllText(coldLog).Contains("waiting for jobs on x86_64", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        var extra = await MakeSrpmsAsync(work, "benchcold", options.Iterations + 1);
        await ReimzulAsync(options, coldData, extra[0], "bench");
        var (bare, prestarted, coldTimes) = (new List<double>(), new List<double>(), new List<double>());
        for (var i = 0; i < options.Iterations; i++)
        {
            bare.Add(await BaselineAsync(work, srpms[1 + 2 * i]));
            prestarted.Add(await ReimzulAsync(options, prestartedData, srpms[2 + 2 * i], "bench"));
            coldTimes.Add(await ReimzulAsync(options, coldData, extra[1 + i], "bench"));
            Console.WriteLine($"  iteration {i + 1}: bare {bare[^1]:0} ms, prestarted sandbox {prestarted[^1]:0} ms, sandbox made at the build {coldTimes[^1]:0} ms");
        }
        var prestartedCount = File.ReadAllLines(prestartedLog).Count(l => l.Contains("running in a prestarted sandbox", StringComparison.Ordinal));
        var mb = Median(bare);
        Console.WriteLine();
        Console.WriteLine($"submit → listed in repodata, median of {options.Iterations} (builds in a prestarted sandbox: {prestartedCount} of {options.Iterations + 1}):");
        Console.WriteLine($"  bare rpmbuild --rebuild + createrepo_c --update : {mb:0} ms");
        Console.WriteLine($"  reimzul, sandbox prestarted (default)           : {Median(prestarted):0} ms, overhead {Median(prestarted) - mb:0} ms ({Median(prestarted) / mb:0.00}x)");
        Console.WriteLine($"  reimzul, sandbox made as the build starts       : {Median(coldTimes):0} ms, overhead {Median(coldTimes) - mb:0} ms ({Median(coldTimes) / mb:0.00}x)");
        return 0;
    }
    finally
    {
        cold.Kill();
    }
}

// Submit-to-repodata across test hosts in network namespaces: beanstalkd, controller and notifier on one,
// bstore on another, a worker on a third, submits from a fourth; against the bare tools on this machine.
async Task<int> AcrossHostsAsync()
{
    Console.WriteLine($"reimzul: {options.Reimzul}; {options.Iterations} iterations across network namespaces");
    var srpms = await MakeSrpmsAsync(work, "benchhost", options.Iterations * 2 + 1);
    await using var net = await TestNetwork.CreateAsync("ctl", "bstore", "b1", "client");
    var (ctl, bstore) = (net.Address("ctl"), net.Address("bstore"));
    const string Token = "bench-token-0123456789abcdef";
    await File.WriteAllTextAsync(Path.Combine(work, "tokens"), $"{Token} bench\n");
    await File.WriteAllTextAsync(Path.Combine(work, "token"), Token + "\n");
    string Config(string host, string queueHost, int queuePort)
    {
        var path = Path.Combine(work, host + ".ini");
        File.WriteAllText(path, $"""
            [paths]
            data_dir = {Path.Combine(work, host)}
            [queue]
            backend = beanstalkd
            host = {queueHost}
            port = {queuePort}
            [controller]
            url = http://{ctl}:11080/
            tokens = {Path.Combine(work, "tokens")}
            token_file = {Path.Combine(work, "token")}
            [bstore]
            url = http://{bstore}:11081/
            tokens = {Path.Combine(work, "tokens")}
            token_file = {Path.Combine(work, "token")}
            [builder]
            backend = rpmbuild
            # bstore takes a result only from the builder its token names.
            fqdn = bench
            [web]
            listen = {ctl}
            port = 11082
            url = http://{ctl}:11082/
            """);
        return path;
    }
    var processes = new List<Process>();
    Process Start(string host, string file, params string[] arguments)
    {
        var psi = net.In(host, new ProcessSpec(file, arguments)).CreateStartInfo();
        var process = Process.Start(psi)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        processes.Add(process);
        return process;
    }
    try
    {
        Start("ctl", "beanstalkd", "-l", ctl, "-p", "11300", "-b", Directory.CreateDirectory(Path.Combine(work, "binlog")).FullName);
        var ctlConfig = Config("ctl", ctl, 11300);
        Start("ctl", options.Reimzul, "controller", "--config", ctlConfig);
        Start("ctl", options.Reimzul, "notifier", "--config", ctlConfig);
        Start("bstore", options.Reimzul, "bstore", "--config", Config("bstore", ctl, 11300));
        Start("b1", options.Reimzul, "worker", "--config", Config("b1", ctl, 11300));
        var client = Config("client", ctl, 11300);
        var repo = Path.Combine(work, "bstore", "bstore", "repo", "hosts.x86_64");
        if (options.LiveLog)
        {
            Start("ctl", options.Reimzul, "web", "--config", ctlConfig);
            return await LiveLogAsync(net, client);
        }

        async Task<double> SubmitAsync(string srpm)
        {
            var sw = Stopwatch.StartNew();
            await Must(net.In("client", new ProcessSpec(options.Reimzul, ["submit", "--config", client, "-s", srpm, "-a", "x86_64", "-t", "hosts", "-d", ".el7"])));
            await WaitForAsync(() => ListedNames(repo).Contains(NameOf(srpm)), TimeSpan.FromSeconds(120), pollMs: 2);
            return sw.Elapsed.TotalMilliseconds;
        }

        // Warm-up on both sides; the first submit is retried until every service is up.
        await BaselineAsync(work, srpms[0]);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await SubmitAsync(srpms[0]);
                break;
            }
            catch (InvalidOperationException) when (attempt < 50)
            {
                await Task.Delay(200);
            }
        }
        var baseline = new List<double>();
        var reimzul = new List<double>();
        for (var i = 0; i < options.Iterations; i++)
        {
            baseline.Add(await BaselineAsync(work, srpms[1 + 2 * i]));
            reimzul.Add(await SubmitAsync(srpms[2 + 2 * i]));
            Console.WriteLine($"  iteration {i + 1}: bare {baseline[^1]:0} ms, reimzul across hosts {reimzul[^1]:0} ms");
        }
        var (mb, mr) = (Median(baseline), Median(reimzul));
        Console.WriteLine();
        Console.WriteLine($"submit on a client host → listed in bstore's repodata, median of {options.Iterations}:");
        Console.WriteLine($"  bare rpmbuild --rebuild + createrepo_c --update : {mb:0} ms");
        Console.WriteLine($"  reimzul across hosts (beanstalkd, HTTP)        : {mr:0} ms");
        Console.WriteLine($"  overhead                                        : {mr - mb:0} ms (ratio {mr / mb:0.00}x)");
        return 0;
    }
    finally
    {
        foreach (var process in processes)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }
}

// A line written to build.log on the builder → printed by `reimzul logs -f` on the client host (the worker sends the
// live log to bstore every 250 ms, the web role on the controller host reads it from there, logs -f asks every 250 ms);
// against the same ticking loop read straight from its own stdout on this machine.
async Task<int> LiveLogAsync(TestNetwork net, string client)
{
    const int Ticks = 60;
    var top = Path.Combine(work, "tick-top");
    var spec = Path.Combine(work, "benchticks.spec");
    var loop = $"for i in $(seq 1 {Ticks}); do echo \"tick $i $(date +%%s%%3N)\"; sleep 0.25; done";
    await File.WriteAllTextAsync(spec, $"Name: benchticks\nVersion: 1.0\nRelease: 1\nSummary: bench\nLicense: MIT\nBuildArch: noarch\n%description\nbench\n%build\n{loop}\n%install\nmkdir -p %{{buildroot}}/usr/share/benchticks\necho t > %{{buildroot}}/usr/share/benchticks/f\n%files\n/usr/share/benchticks/f\n");
    await Must(new ProcessSpec("rpmbuild", ["-bs", "--define", "_topdir " + top, spec]));
    var srpm = Path.Combine(top, "SRPMS", "benchticks-1.0-1.src.rpm");

    var bare = await FollowAsync(new ProcessSpec("sh", ["-c", loop.Replace("%%", "%", StringComparison.Ordinal)]));

    string? buildId = null;
    for (var attempt = 0; buildId is null; attempt++)
    {
        var submitted = await runner.RunAsync(net.In("client", new ProcessSpec(options.Reimzul, ["submit", "--config", client, "-s", srpm, "-a", "x86_64", "-t", "livelog", "-d", ".el7"])));
        var match = Regex.Match(submitted.StandardOutput, "build id ([0-9a-f]{32})");
        if (match.Success)
        {
            buildId = match.Groups[1].Value;
        }
        else if (attempt > 50)
        {
            throw new InvalidOperationException($"submit failed: {submitted.StandardError}");
        }
        else
        {
            await Task.Delay(200);
        }
    }
    // logs -f refuses a build the history does not know yet: start it once the build is recorded Building.
    List<double> live = [];
    for (var attempt = 0; live.Count == 0; attempt++)
    {
        live = await FollowAsync(net.In("client", new ProcessSpec(options.Reimzul, ["logs", "-f", buildId, "--config", client])));
        if (live.Count == 0)
        {
            if (attempt > 100)
            {
                throw new InvalidOperationException("logs -f printed no tick");
            }
            await Task.Delay(100);
        }
    }
    Console.WriteLine();
    Console.WriteLine($"live log across hosts: {live.Count} of {Ticks} lines seen while the build ran, 4 per second");
    Console.WriteLine($"  tick read from its own stdout on this machine : median {Median(bare):0} ms, p95 {Percentile(bare, 0.95):0} ms");
    Console.WriteLine($"  builder → bstore → web role → logs -f          : median {Median(live):0} ms, p95 {Percentile(live, 0.95):0} ms, max {live.Max():0} ms");
    return 0;
}

// Runs spec and returns, for each "tick N UNIX_MS" line it prints, how long after UNIX_MS the line arrived here.
static async Task<List<double>> FollowAsync(ProcessSpec spec)
{
    var latencies = new List<double>();
    var psi = spec.CreateStartInfo();
    using var process = Process.Start(psi)!;
    process.OutputDataReceived += (_, e) =>
    {
        var arrived = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        if (e.Data is { } line && Regex.Match(line, @"^tick \d+ (\d{13})$") is { Success: true } m)
        {
            lock (latencies)
            {
                latencies.Add(arrived - long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
            }
        }
    };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    await process.WaitForExitAsync();
    process.WaitForExit();
    return latencies;
}

static double Percentile(List<double> values, double p)
{
    var sorted = values.Order().ToList();
    return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}

async Task<double> TimeAsync(ProcessSpec spec)
{
    var sw = Stopwatch.StartNew();
    await Must(spec);
    return sw.Elapsed.TotalMilliseconds;
}

async Task<List<string>> MakeSrpmsAsync(string dir, string prefix, int count)
{
    var top = Path.Combine(dir, "srpm-top");
    var list = new List<string>();
    for (var i = 0; i < count; i++)
    {
        var name = $"{prefix}{i}";
        var spec = Path.Combine(dir, name + ".spec");
        await File.WriteAllTextAsync(spec, $"Name: {name}\nVersion: 1.0\nRelease: 1%{{?dist}}\nSummary: bench\nLicense: MIT\nBuildArch: noarch\n%description\nbench\n%install\nmkdir -p %{{buildroot}}/usr/share/{name}\necho {name} > %{{buildroot}}/usr/share/{name}/f\n%files\n/usr/share/{name}/f\n");
        await Must(new ProcessSpec("rpmbuild", ["-bs", "--define", "_topdir " + top, "--define", "dist %{nil}", spec]));
        list.Add(Path.Combine(top, "SRPMS", $"{name}-1.0-1.src.rpm"));
    }
    return list;
}

async Task<double> BaselineAsync(string dir, string srpm)
{
    var top = Path.Combine(dir, "baseline-top");
    var repo = Path.Combine(dir, "baseline-repo");
    Directory.CreateDirectory(repo);
    var sw = Stopwatch.StartNew();
    await Must(new ProcessSpec("rpmbuild", ["--rebuild", "--define", "_topdir " + top, "--define", "dist .el7", srpm]));
    foreach (var rpm in Directory.GetFiles(Path.Combine(top, "RPMS"), "*.rpm", SearchOption.AllDirectories))
    {
        File.Move(rpm, Path.Combine(repo, Path.GetFileName(rpm)), overwrite: true);
    }
    // The same createrepo_c options Reimzul uses, so the difference is Reimzul's own.
    await Must(new ProcessSpec("createrepo_c", ["--update", "--workers", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture),
        "--cachedir", Path.Combine(dir, "baseline-cache"), "--no-database", "--retain-old-md", "3", "--compatibility", repo]));
    return sw.Elapsed.TotalMilliseconds;
}

async Task<double> ReimzulAsync(BenchOptions o, string data, string srpm, string target)
{
    var repo = Path.Combine(data, "bstore", "repo", target + ".x86_64");
    var name = NameOf(srpm);
    var sw = Stopwatch.StartNew();
    await SubmitAsync(o, data, srpm, target);
    await WaitForAsync(() => ListedNames(repo).Contains(name), TimeSpan.FromSeconds(60), pollMs: 2);
    return sw.Elapsed.TotalMilliseconds;
}

Task SubmitAsync(BenchOptions o, string data, string srpm, string target) =>
    Must(new ProcessSpec(o.Reimzul, ["submit", "--data-dir", data, "-s", srpm, "-a", "x86_64", "-t", target, "-d", ".el7"]));

static string NameOf(string srpm) => Path.GetFileName(srpm).Split('-')[0];

// Names listed in the repo's primary metadata: what dnf would see.
static HashSet<string> ListedNames(string repo)
{
    var repomd = Path.Combine(repo, "repodata", "repomd.xml");
    try
    {
        var href = Regex.Match(File.ReadAllText(repomd), "<data type=\"primary\">.*?<location href=\"([^\"]+)\"", RegexOptions.Singleline).Groups[1].Value;
        using var gz = new GZipStream(File.OpenRead(Path.Combine(repo, href)), CompressionMode.Decompress);
        using var reader = new StreamReader(gz);
        return Regex.Matches(reader.ReadToEnd(), "<name>([^<]+)</name>").Select(m => m.Groups[1].Value).ToHashSet();
    }
    catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
    {
        return [];
    }
}

static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout, int pollMs = 20)
{
    var sw = Stopwatch.StartNew();
    while (!condition())
    {
        if (sw.Elapsed > timeout)
        {
            throw new TimeoutException("benchmark step did not finish in time");
        }
        await Task.Delay(pollMs);
    }
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

async Task Must(ProcessSpec spec)
{
    var result = await runner.RunAsync(spec with { Timeout = TimeSpan.FromMinutes(5) });
    if (!result.Succeeded)
    {
        throw new InvalidOperationException($"{spec} failed ({result.ExitCode}): {result.StandardError}");
    }
}

internal sealed record BenchOptions(string Reimzul, int Iterations, int Burst, int Workers, bool Hosts = false, bool LiveLog = false, bool SandboxAb = false)
{
    public static BenchOptions Parse(string[] args)
    {
        // --livelog: across hosts, how long a build.log line takes to reach `reimzul logs -f`.
        // --sandbox-ab: one machine, prestarted sandboxes against sandboxes made as each build starts, in turn.
        var o = new BenchOptions("/usr/local/bin/reimzul", 15, 100, 2, args.Contains("--hosts") || args.Contains("--livelog"), args.Contains("--livelog"), args.Contains("--sandbox-ab"));
        args = [.. args.Where(a => a is not "--hosts" and not "--livelog" and not "--sandbox-ab")];
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            o = args[i] switch
            {
                "--reimzul" => o with { Reimzul = args[i + 1] },
                "--iterations" => o with { Iterations = int.Parse(args[i + 1], CultureInfo.InvariantCulture) },
                "--burst" => o with { Burst = int.Parse(args[i + 1], CultureInfo.InvariantCulture) },
                "--workers" => o with { Workers = int.Parse(args[i + 1], CultureInfo.InvariantCulture) },
                var other => throw new ArgumentException($"unknown option {other}"),
            };
        }
        return o;
    }
}

using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text.RegularExpressions;
using Reimzul.Processes;

/// <summary>
/// Mass rebuilds (BENCHMARKS.md): N trivial noarch SRPMs on W workers, from the bulk submit to all N listed in
/// repodata, against the limit measured in the same run: the same SRPMs rebuilt by bare rpmbuild W at a time
/// (<c>xargs -P W</c>, a private topdir each) plus one createrepo_c over the result. The growth mode grows the target
/// to 20,000 packages and measures a single build's submit → listed against a bare rpmbuild plus one
/// <c>createrepo_c --update</c> of a copy of that repo.
/// </summary>
internal static class MassBench
{
    private static readonly ProcessRunner Runner = ProcessRunner.Default;

    public static async Task<int> RunAsync(string[] args)
    {
        var reimzul = Value(args, "--reimzul") ?? "/usr/local/bin/reimzul";
        var workers = int.Parse(Value(args, "--workers") ?? "2", CultureInfo.InvariantCulture);
        var work = Path.Combine(Path.GetTempPath(), $"reimzul-mass-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        try
        {
            if (args[0] == "growth")
            {
                var sizes = (Value(args, "--sizes") ?? "0,5000,20000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
                await GrowthAsync(reimzul, workers, work, sizes, int.Parse(Value(args, "--iterations") ?? "5", CultureInfo.InvariantCulture));
                return 0;
            }
            foreach (var n in (Value(args, "--sizes") ?? "300,1000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)))
            {
                await MassAsync(reimzul, workers, Path.Combine(work, $"n{n}"), n);
            }
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task MassAsync(string reimzul, int workers, string work, int n)
    {
        Console.WriteLine($"== mass rebuild: {n} trivial noarch SRPMs, {workers} workers; reimzul: {reimzul}");
        var srpmDir = Path.Combine(work, "srpms");
        var srpms = await MakeSrpmsAsync(work, srpmDir, $"mass{n}x", n);

        // The limit: the bare tools, W at a time, then one createrepo_c.
        var sw = Stopwatch.StartNew();
        var list = Path.Combine(work, "list");
        await File.WriteAllLinesAsync(list, srpms);
        // Each SRPM gets its own topdir (its path + ".top"), as xargs runs W rpmbuilds at once.
        await MustAsync(new ProcessSpec("xargs", ["-a", list, "-P", workers.ToString(CultureInfo.InvariantCulture), "-I{}",
            "rpmbuild", "--rebuild", "--quiet", "--define", "_topdir {}.top", "--define", "dist .el7", "{}"]) { Timeout = TimeSpan.FromHours(2) });
        var bareRepo = Directory.CreateDirectory(Path.Combine(work, "bare-repo")).FullName;
        foreach (var rpm in Directory.EnumerateFiles(srpmDir, "*.noarch.rpm", SearchOption.AllDirectories).ToList())
        {
            File.Move(rpm, Path.Combine(bareRepo, Path.GetFileName(rpm)));
        }
        await MustAsync(Createrepo(Path.Combine(work, "bare-cache"), bareRepo));
        var limit = sw.Elapsed;
        Console.WriteLine($"  limit (rpmbuild xargs -P {workers} + one createrepo_c): {limit.TotalSeconds:0.0} s");

        var data = Path.Combine(work, "data");
        var log = Path.Combine(work, "up.log");
        using var up = UpProcess.Start(reimzul, data, workers, log);
        await WaitForAsync(() => File.Exists(log) && File.ReadAllText(log).Contains("waiting for jobs on x86_64", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        var repo = Path.Combine(data, "bstore", "repo", "mass.noarch");
        var names = srpms.Select(NameOf).ToHashSet();
        sw.Restart();
        await MustAsync(new ProcessSpec(reimzul, ["submit", "--data-dir", data, "-s", srpmDir, "-a", "noarch", "-t", "mass", "-d", ".el7"]) { Timeout = TimeSpan.FromMinutes(10) });
        var submitted = sw.Elapsed;
        await WaitForAsync(() => ListedNames(repo).IsSupersetOf(names), TimeSpan.FromHours(2), pollMs: 50);
        var total = sw.Elapsed;
        await Task.Delay(1000);
        var runs = File.ReadAllLines(log).Count(l => l.Contains("running: createrepo_c", StringComparison.Ordinal) && l.Contains("mass.noarch", StringComparison.Ordinal));
        up.Kill(entireProcessTree: true);
        await up.WaitForExitAsync();
        Console.WriteLine($"  reimzul (bulk submit → all {n} listed): {total.TotalSeconds:0.0} s (submit took {submitted.TotalSeconds:0.00} s), {runs} createrepo_c runs");
        Console.WriteLine($"  ratio: {total / limit:0.00}x the limit");
        Console.WriteLine();
        Directory.Delete(work, recursive: true);
    }

    private static async Task GrowthAsync(string reimzul, int workers, string work, List<int> sizes, int iterations)
    {
        Console.WriteLine($"== growth: single build submit → listed as the target grows; {iterations} builds per size; reimzul: {reimzul}");
        var data = Path.Combine(work, "data");
        var log = Path.Combine(work, "up.log");
        var fillerRpms = await MakeFillerRpmsAsync(work, 100);
        // A warm-up, then per size one build over the new repodata and two per iteration (bare and reimzul).
        var srpms = await MakeSrpmsAsync(work, Path.Combine(work, "srpms"), "grow", 1 + sizes.Count * (2 * iterations + 1));
        using var up = UpProcess.Start(reimzul, data, workers, log);
        try
        {
            await GrowAsync(reimzul, work, data, log, fillerRpms, srpms, sizes, iterations);
        }
        finally
        {
            // Stopped before the work dir goes, also when a step failed: its roles would still be writing into it.
            up.Kill(entireProcessTree: true);
            await up.WaitForExitAsync();
        }
    }

    private static async Task GrowAsync(string reimzul, string work, string data, string log, List<string> fillerRpms, List<string> srpms, List<int> sizes, int iterations)
    {
        var next = 0;
        await WaitForAsync(() => File.Exists(log) && File.ReadAllText(log).Contains("waiting for jobs on x86_64", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        var repo = Path.Combine(data, "bstore", "repo", "grow.noarch");
        // Warm-up, and the target exists.
        await ReimzulOneAsync(reimzul, data, repo, srpms[next++]);
        var generated = 0;
        foreach (var size in sizes)
        {
            // The generated packages: copies of 100 tiny RPMs, each in a build dir of its own, as stored builds lie.
            for (; generated < size; generated++)
            {
                var rpm = fillerRpms[generated % fillerRpms.Count];
                var dir = Directory.CreateDirectory(Path.Combine(repo, $"filler{generated:D5}", "20260101000000", "1.0-1.noarch")).FullName;
                File.Copy(rpm, Path.Combine(dir, Path.GetFileName(rpm)));
            }
            var bareRepo = Path.Combine(work, "bare-repo");
            if (Directory.Exists(bareRepo))
            {
                Directory.Delete(bareRepo, recursive: true);
            }
            await CopyTreeAsync(repo, bareRepo);
            // Both sides start from repodata that lists the generated packages.
            await MustAsync(Createrepo(Path.Combine(work, "bare-cache"), bareRepo));
            await ReimzulOneAsync(reimzul, data, repo, srpms[next++]);
            var bare = new List<double>();
            var ours = new List<double>();
            for (var i = 0; i < iterations; i++)
            {
                bare.Add(await BareOneAsync(work, bareRepo, srpms[next++]));
                ours.Add(await ReimzulOneAsync(reimzul, data, repo, srpms[next++]));
            }
            var (b, r) = (Median(bare), Median(ours));
            var listed = ListedNames(repo).Count;
            Console.WriteLine($"  {size,6} generated packages: bare rpmbuild + createrepo_c --update {b:0} ms, reimzul submit → listed {r:0} ms, ratio {r / b:0.00}x ({listed} names listed)");
        }
    }

    private static async Task<double> BareOneAsync(string work, string repo, string srpm)
    {
        var top = Path.Combine(work, "bare-top");
        var sw = Stopwatch.StartNew();
        await MustAsync(new ProcessSpec("rpmbuild", ["--rebuild", "--quiet", "--define", "_topdir " + top, "--define", "dist .el7", srpm]));
        foreach (var rpm in Directory.GetFiles(Path.Combine(top, "RPMS"), "*.rpm", SearchOption.AllDirectories))
        {
            File.Move(rpm, Path.Combine(repo, Path.GetFileName(rpm)), overwrite: true);
        }
        await MustAsync(Createrepo(Path.Combine(work, "bare-cache"), repo));
        return sw.Elapsed.TotalMilliseconds;
    }

    private static async Task<double> ReimzulOneAsync(string reimzul, string data, string repo, string srpm)
    {
        var name = NameOf(srpm);
        var sw = Stopwatch.StartNew();
        await MustAsync(new ProcessSpec(reimzul, ["submit", "--data-dir", data, "-s", srpm, "-a", "noarch", "-t", "grow", "-d", ".el7"]));
        await WaitForAsync(() => ListedNames(repo).Contains(name), TimeSpan.FromMinutes(5), pollMs: 5);
        return sw.Elapsed.TotalMilliseconds;
    }

    // The options reimzul gives createrepo_c, so the difference is reimzul's own.
    private static ProcessSpec Createrepo(string cache, string repo) =>
        new("createrepo_c", ["--update", "--workers", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture), "--cachedir", cache,
            "--no-database", "--retain-old-md", "3", "--compatibility", repo]) { Timeout = TimeSpan.FromMinutes(30) };

    private static async Task<List<string>> MakeSrpmsAsync(string work, string srpmDir, string prefix, int count)
    {
        var specs = Directory.CreateDirectory(Path.Combine(work, "specs-" + prefix)).FullName;
        var top = Path.Combine(work, "srpm-top-" + prefix);
        var list = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var name = $"{prefix}{i:D5}";
            await File.WriteAllTextAsync(Path.Combine(specs, name + ".spec"), $"Name: {name}\nVersion: 1.0\nRelease: 1%{{?dist}}\nSummary: bench\nLicense: MIT\nBuildArch: noarch\n%description\nbench\n%install\nmkdir -p %{{buildroot}}/usr/share/{name}\necho {name} > %{{buildroot}}/usr/share/{name}/f\n%files\n/usr/share/{name}/f\n");
            list.Add(Path.Combine(srpmDir, $"{name}-1.0-1.src.rpm"));
        }
        // rpmbuild takes many specs at once: one process per 200, not one per SRPM.
        foreach (var chunk in Directory.GetFiles(specs, "*.spec").Order(StringComparer.Ordinal).Chunk(200))
        {
            await MustAsync(new ProcessSpec("rpmbuild", ["-bs", "--quiet", "--define", "_topdir " + top, "--define", "_srcrpmdir " + srpmDir, "--define", "dist %{nil}", .. chunk]) { Timeout = TimeSpan.FromMinutes(30) });
        }
        return list;
    }

    private static async Task<List<string>> MakeFillerRpmsAsync(string work, int count)
    {
        var specs = Directory.CreateDirectory(Path.Combine(work, "filler-specs")).FullName;
        var top = Path.Combine(work, "filler-top");
        for (var i = 0; i < count; i++)
        {
            var name = $"filler{i:D3}";
            await File.WriteAllTextAsync(Path.Combine(specs, name + ".spec"), $"Name: {name}\nVersion: 1.0\nRelease: 1\nSummary: filler\nLicense: MIT\nBuildArch: noarch\n%description\nfiller\n%install\nmkdir -p %{{buildroot}}/usr/share/{name}\necho {name} > %{{buildroot}}/usr/share/{name}/f\n%files\n/usr/share/{name}/f\n");
        }
        await MustAsync(new ProcessSpec("rpmbuild", ["-bb", "--quiet", "--define", "_topdir " + top, .. Directory.GetFiles(specs, "*.spec")]) { Timeout = TimeSpan.FromMinutes(30) });
        return [.. Directory.GetFiles(Path.Combine(top, "RPMS"), "*.rpm", SearchOption.AllDirectories)];
    }

    private static async Task CopyTreeAsync(string from, string to)
    {
        await MustAsync(new ProcessSpec("cp", ["-a", from, to]) { Timeout = TimeSpan.FromMinutes(30) });
    }

    private static string NameOf(string srpm) => Path.GetFileName(srpm).Split('-')[0];

    // Names listed in the repo's primary metadata: what dnf would see. Cached by repomd.xml's write time.
    private static readonly Dictionary<string, (DateTime, HashSet<string>)> Listed = [];

    private static HashSet<string> ListedNames(string repo)
    {
        var repomd = Path.Combine(repo, "repodata", "repomd.xml");
        try
        {
            var written = File.GetLastWriteTimeUtc(repomd);
            if (Listed.TryGetValue(repo, out var cached) && cached.Item1 == written)
            {
                return cached.Item2;
            }
            var href = Regex.Match(File.ReadAllText(repomd), "<data type=\"primary\">.*?<location href=\"([^\"]+)\"", RegexOptions.Singleline).Groups[1].Value;
            using var gz = new GZipStream(File.OpenRead(Path.Combine(repo, href)), CompressionMode.Decompress);
            using var reader = new StreamReader(gz);
            var names = Regex.Matches(reader.ReadToEnd(), "<name>([^<]+)</name>").Select(m => m.Groups[1].Value).ToHashSet();
            Listed[repo] = (written, names);
            return names;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout, int pollMs = 20)
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

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string? Value(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static async Task MustAsync(ProcessSpec spec)
    {
        var result = await Runner.RunAsync(spec.Timeout is null ? spec with { Timeout = TimeSpan.FromMinutes(5) } : spec);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"{spec} failed ({result.ExitCode}): {result.StandardError}");
        }
    }
}

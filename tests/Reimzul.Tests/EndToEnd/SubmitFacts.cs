using System.Text.Json;
using Reimzul.Processes;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.EndToEnd;

/// <summary>What <c>reimzul submit</c> says to bad input: a clear message, exit code 2, nothing queued.</summary>
public sealed class SubmitFacts : IDisposable
{
    private readonly Installation _install = new();

    public static TheoryData<string, string, string, string, string> BadArguments => new()
    {
        // srpm, arch, target, disttag, expected words in the message
        { "GOOD", "sparc", "c7", ".el7", "unknown arch" },
        { "GOOD", "x86_64", "", ".el7", "target" },
        { "GOOD", "x86_64", "c7", "", "disttag" },
        { "GOOD", "x86_64", "../../etc", ".el7", "target" },
        { "GOOD", "x86_64", "c7;reboot", ".el7", "target" },
        { "GOOD", "x86_64", "c7", ".el7 $(id)", "disttag" },
        { "../escape-1.0-1.src.rpm", "x86_64", "c7", ".el7", "" },
        { "has space-1.0-1.src.rpm", "x86_64", "c7", ".el7", "" },
        { "x;rm -rf ~-1.0-1.src.rpm", "x86_64", "c7", ".el7", "" },
        { "$(reboot)-1.0-1.src.rpm", "x86_64", "c7", ".el7", "" },
        { "missing-1.0-1.src.rpm", "x86_64", "c7", ".el7", "not in the incoming dir" },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public async Task BadArgumentsAreRefusedWithAClearMessageAndNothingIsQueued(string srpm, string arch, string target, string disttag, string expected)
    {
        if (srpm == "GOOD")
        {
            srpm = await _install.MakeSrpmAsync(SrpmFactory.NoarchSpec("good"));
        }
        var result = await _install.RunAsync("submit", "-s", srpm, "-a", arch, "-t", target, "-d", disttag);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("reimzul: ", result.StandardError, StringComparison.Ordinal);
        Assert.Contains(expected, result.StandardError, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
        await AssertNothingQueuedAsync();
    }

    [Fact]
    public async Task AFileThatIsNotAnRpmIsRefused()
    {
        var path = Path.Combine(_install.Sources, "text-1.0-1.src.rpm");
        await File.WriteAllTextAsync(path, "just text\n");
        await AssertRefusedAsync(path, "not an RPM");
    }

    [Fact]
    public async Task ATruncatedRpmIsRefused()
    {
        var srpm = await _install.MakeSrpmAsync(SrpmFactory.NoarchSpec("truncated"));
        var cut = Path.Combine(_install.Sources, "cut-1.0-1.src.rpm");
        var bytes = await File.ReadAllBytesAsync(srpm);
        await File.WriteAllBytesAsync(cut, bytes[..200]);
        await AssertRefusedAsync(cut, "truncated");
    }

    [Fact]
    public async Task ABinaryRpmGivenAsSrpmIsRefused()
    {
        var srpm = await _install.MakeSrpmAsync(SrpmFactory.NoarchSpec("binary"));
        var topdir = Path.Combine(_install.Sources, "top");
        var rebuilt = await Reimzul.Processes.ProcessRunner.Default.RunAsync(new Reimzul.Processes.ProcessSpec("rpmbuild", ["--rebuild", "--define", "_topdir " + topdir, srpm]));
        Assert.True(rebuilt.Succeeded, rebuilt.StandardError);
        var binary = Directory.GetFiles(topdir, "*.noarch.rpm", SearchOption.AllDirectories).Single();
        var disguised = Path.Combine(_install.Sources, "disguised", "binary-1.0-1.src.rpm");
        Directory.CreateDirectory(Path.GetDirectoryName(disguised)!);
        File.Copy(binary, disguised);
        await AssertRefusedAsync(disguised, "binary RPM");
    }

    [Fact]
    public async Task AFifoIsRefusedAsAFifoWithoutWaitingForAWriter()
    {
        var fifo = Path.Combine(_install.Sources, "fifo-1.0-1.src.rpm");
        var made = await ProcessRunner.Default.RunAsync(new ProcessSpec("mkfifo", [fifo]));
        Assert.True(made.Succeeded, made.StandardError);
        await AssertRefusedWithAsync(fifo, $"reimzul: SRPM file '{fifo}' is a FIFO, not a regular file");
    }

    [Fact]
    public async Task AnEmptySrpmPathIsRefusedWithoutAStackTrace()
    {
        var result = await _install.RunAsync("submit", "-s", "", "-a", "x86_64", "-t", "c7", "-d", ".el7");
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("reimzul: ", result.StandardError, StringComparison.Ordinal);
        Assert.Single(result.StandardError.TrimEnd().Split('\n'));
        Assert.Contains("empty", result.StandardError, StringComparison.Ordinal);
        await AssertNothingQueuedAsync();
    }

    [Fact]
    public async Task ADirectoryWithoutSrpmsIsRefusedSayingSo()
    {
        // A directory is a bulk submit of every *.src.rpm in it: an empty one has nothing to queue.
        var directory = Path.Combine(_install.Sources, "dir-1.0-1.src.rpm");
        Directory.CreateDirectory(directory);
        await AssertRefusedWithAsync(directory, $"reimzul: directory '{directory}' holds no *.src.rpm");
    }

    [Fact]
    public async Task ADeviceIsRefusedAsADevice()
    {
        var link = Path.Combine(_install.Sources, "null-1.0-1.src.rpm");
        File.CreateSymbolicLink(link, "/dev/null");
        await AssertRefusedWithAsync(link, $"reimzul: SRPM file '{link}' is a character device, not a regular file");
    }

    [Fact]
    public async Task ADanglingSymlinkIsRefusedAsOneWithExitCode2()
    {
        var link = Path.Combine(_install.Sources, "gone-1.0-1.src.rpm");
        File.CreateSymbolicLink(link, "/nonexistent/gone-1.0-1.src.rpm");
        await AssertRefusedWithAsync(link, $"reimzul: SRPM file '{link}' is a dangling symlink (to '/nonexistent/gone-1.0-1.src.rpm')");
    }

    [Fact]
    public async Task AFifoInTheIncomingDirIsRefusedByName()
    {
        var incoming = Path.Combine(_install.DataDir, "incoming");
        Directory.CreateDirectory(incoming);
        var made = await ProcessRunner.Default.RunAsync(new ProcessSpec("mkfifo", [Path.Combine(incoming, "queued-fifo-1.0-1.src.rpm")]));
        Assert.True(made.Succeeded, made.StandardError);

        var result = await _install.RunAsync("submit", "-s", "queued-fifo-1.0-1.src.rpm", "-a", "x86_64", "-t", "c7", "-d", ".el7");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("reimzul: SRPM 'queued-fifo-1.0-1.src.rpm' in the incoming dir is a FIFO, not a regular file", result.StandardError.TrimEnd());
        await AssertNothingQueuedAsync();
    }

    [Fact]
    public async Task AGoodSubmitCopiesTheSrpmToIncomingAndQueuesOneJob()
    {
        var srpm = await _install.MakeSrpmAsync(SrpmFactory.NoarchSpec("queued"));
        var result = await _install.RunAsync("submit", "-s", srpm, "-a", "i686", "-t", "c7.1708.u", "-d", ".el7_4", "--scratch");

        Assert.True(result.Succeeded, result.StandardError);
        Assert.Contains("Submitted SRPM queued-1.0-1.src.rpm to build queue i386 for target c7.1708.u.i686 (scratch: True)", result.StandardOutput, StringComparison.Ordinal);
        Assert.Matches("build id [0-9a-f]{32}", result.StandardOutput);
        Assert.True(File.Exists(Path.Combine(_install.DataDir, "incoming", "queued-1.0-1.src.rpm")));
        Assert.Equal(1, await ReadyAsync("i386"));

        // The same name again, from incoming, is fine; a different file under that name is not.
        var again = await _install.RunAsync("submit", "-s", "queued-1.0-1.src.rpm", "-a", "x86_64", "-t", "c7", "-d", ".el7");
        Assert.True(again.Succeeded, again.StandardError);
        var other = await SrpmFactory.BuildAsync(SrpmFactory.NoarchSpec("queued", release: "1%{?dist}.x"), Path.Combine(_install.Sources, "other"));
        var renamed = Path.Combine(_install.Sources, "other", "queued-1.0-1.src.rpm");
        File.Move(other, renamed, overwrite: true);
        var clash = await _install.RunAsync("submit", "-s", renamed, "-a", "x86_64", "-t", "c7", "-d", ".el7");
        Assert.Equal(2, clash.ExitCode);
        Assert.Contains("different SRPM", clash.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABadConfigFileIsNamedWithTheKeyAndReason()
    {
        var config = Path.Combine(_install.Sources, "bad.ini");
        await File.WriteAllTextAsync(config, "[builder]\ntimeout = soon\n");
        var result = await ReimzulCli.RunAsync("stats", "--config", config, "--data-dir", _install.DataDir);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(config, result.StandardError, StringComparison.Ordinal);
        Assert.Contains("timeout", result.StandardError, StringComparison.Ordinal);
    }

    private async Task AssertRefusedAsync(string path, string expected)
    {
        var result = await _install.RunAsync("submit", "-s", path, "-a", "x86_64", "-t", "c7", "-d", ".el7");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.StandardError, StringComparison.OrdinalIgnoreCase);
        Assert.False(File.Exists(Path.Combine(_install.DataDir, "incoming", Path.GetFileName(path))), "a refused SRPM must not reach incoming");
        await AssertNothingQueuedAsync();
    }

    private async Task AssertRefusedWithAsync(string path, string expectedLine)
    {
        var result = await _install.RunAsync("submit", "-s", path, "-a", "x86_64", "-t", "c7", "-d", ".el7");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(expectedLine, result.StandardError.TrimEnd());
        Assert.False(File.Exists(Path.Combine(_install.DataDir, "incoming", Path.GetFileName(path))), "a refused SRPM must not reach incoming");
        await AssertNothingQueuedAsync();
    }

    private async Task AssertNothingQueuedAsync()
    {
        foreach (var tube in new[] { "x86_64", "i386", "noarch" })
        {
            Assert.Equal(0, await ReadyAsync(tube));
        }
    }

    private async Task<long> ReadyAsync(string tube)
    {
        var stats = await _install.RunAsync("stats", "--json", "--all");
        Assert.True(stats.Succeeded, stats.StandardError);
        return JsonDocument.Parse(stats.StandardOutput).RootElement.EnumerateArray()
            .Where(t => t.GetProperty("tube").GetString() == tube)
            .Select(t => t.GetProperty("ready").GetInt64())
            .SingleOrDefault();
    }

    public void Dispose() => _install.Dispose();
}

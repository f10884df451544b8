using System.Text.RegularExpressions;
using Reimzul.Config;

namespace Reimzul.Tests.Config;

public sealed partial class RsyncConfigTests : IDisposable
{
    private readonly ConfigFiles _files = new();

    public void Dispose() => _files.Dispose();

    private ReimzulConfig Load(string text) => _files.Load(_files.Write($"c-{Guid.NewGuid():N}.ini", text));

    [Fact]
    public void WithoutRsyncUrlResultsStayLocal()
    {
        Assert.Null(Load("[bstore]\nbase_url = http://bstore.example.org/repo/\n").BstoreRsync);
    }

    [Fact]
    public void TheRsyncUrlGetsTheOriginalDaemonPortWhenItNamesNone()
    {
        var rsync = Load("[bstore]\nrsync_url = rsync://bstore.example.org/reimzul-bstore/\n").BstoreRsync;

        Assert.NotNull(rsync);
        Assert.Equal("rsync://bstore.example.org:11874/reimzul-bstore", rsync.ModuleUrl);
        Assert.Equal(new RsyncOptions { ModuleUrl = rsync.ModuleUrl }, rsync);
    }

    [Fact]
    public void EveryRsyncKeyIsRead()
    {
        var rsync = Load("""
            [bstore]
            rsync_url = rsync://builder@10.0.0.5:873/bstore/centos
            rsync_path = /opt/rsync/bin/rsync
            rsync_password_file = secrets/rsync.secret
            rsync_attempts = 4
            rsync_retry_delay = 5s
            rsync_max_retry_delay = 2m
            rsync_timeout = 30
            """).BstoreRsync;

        Assert.Equal(new RsyncOptions
        {
            ModuleUrl = "rsync://builder@10.0.0.5:873/bstore/centos",
            RsyncPath = "/opt/rsync/bin/rsync",
            PasswordFile = Path.Combine(_files.Dir, "secrets", "rsync.secret"),
            Attempts = 4,
            RetryDelay = TimeSpan.FromSeconds(5),
            MaxRetryDelay = TimeSpan.FromMinutes(2),
            IoTimeout = TimeSpan.FromSeconds(30),
        }, rsync);
    }

    [Fact]
    public void AFirstDelayAboveTheDefaultMaximumRaisesTheMaximum()
    {
        var rsync = Load("[bstore]\nrsync_url = rsync://h/m\nrsync_retry_delay = 5m\n").BstoreRsync!;

        Assert.Equal(TimeSpan.FromMinutes(5), rsync.MaxRetryDelay);
    }

    [Theory]
    [InlineData("rsync_url = http://bstore.example.org/m", "rsync_url", "does not start with rsync://")]
    [InlineData("rsync_url = rsync://bstore.example.org", "rsync_url", "names no module")]
    [InlineData("rsync_url = rsync://bstore.example.org:0/m", "rsync_url", "port")]
    [InlineData("rsync_url = rsync://bstore example.org/m", "rsync_url", "host")]
    [InlineData("rsync_url = rsync://h/m/../etc", "rsync_url", "'..'")]
    [InlineData("rsync_attempts = 3", "rsync_attempts", "has no effect without rsync_url")]
    [InlineData("rsync_url = rsync://h/m\nrsync_attempts = 0", "rsync_attempts", "out of range")]
    [InlineData("rsync_url = rsync://h/m\nrsync_retry_delay = 0", "rsync_retry_delay", "too short")]
    [InlineData("rsync_url = rsync://h/m\nrsync_retry_delay = 10s\nrsync_max_retry_delay = 5s", "rsync_max_retry_delay", "too short")]
    [InlineData("rsync_url = rsync://h/m\nrsync_timeout = soon", "rsync_timeout", "not a duration")]
    public void ABadRsyncSettingStopsTheStartWithKeyAndReason(string lines, string key, string reason)
    {
        var error = _files.Error("[bstore]\n" + lines + "\n", out var path);

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains($"[bstore] {key}", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheSampleDocumentsTheRsyncDefaults()
    {
        var sample = File.ReadAllLines(SamplePath());
        var uncommented = sample.Select(line => CommentedKey().IsMatch(line) ? line[1..] : line);

        var rsync = Load(string.Join('\n', uncommented)).BstoreRsync;

        Assert.NotNull(rsync);
        // The URL and the password file are examples; every other documented value is the default.
        Assert.Equal(new RsyncOptions { ModuleUrl = rsync.ModuleUrl, PasswordFile = rsync.PasswordFile }, rsync);
    }

    private static string SamplePath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Reimzul.slnx")))
            {
                return Path.Combine(dir.FullName, "etc", "reimzul.ini.sample");
            }
        }
        throw new InvalidOperationException("Reimzul.slnx not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^#(rsync_[a-z_]+) = ")]
    private static partial Regex CommentedKey();
}

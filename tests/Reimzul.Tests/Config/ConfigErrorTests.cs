
namespace Reimzul.Tests.Config;

/// <summary>Each bad value stops loading with "FILE:LINE: [section] key: reason".</summary>
public sealed class ConfigErrorTests : IDisposable
{
    private readonly ConfigFiles files = new();

    public void Dispose() => files.Dispose();

    [Theory]
    [InlineData("builder", "timeout", "5x", "'5x' is not a duration (use 90, 90s, 15m or 6h)")]
    [InlineData("builder", "timeout", "", "'' is not a duration (use 90, 90s, 15m or 6h)")]
    [InlineData("builder", "timeout", "1.5h", "'1.5h' is not a duration (use 90, 90s, 15m or 6h)")]
    [InlineData("builder", "timeout", "-5", "'-5' is not a duration (use 90, 90s, 15m or 6h)")]
    [InlineData("builder", "timeout", "0", "'0' is too short (at least 1s)")]
    [InlineData("builder", "timeout", "99999999999999999d", "'99999999999999999d' is too long (at most 365d)")]
    [InlineData("builder", "timeout", "999999999999999999999999", "'999999999999999999999999' is too long (at most 365d)")]
    [InlineData("builder", "ttr", "1", "'1' is too short (at least 2s; beanstalkd keeps the last second of a reservation as a safety margin)")]
    [InlineData("builder", "retry_delay", "0s", "'0s' is too short (at least 1s)")]
    [InlineData("builder", "min_free_mb", "-1", "'-1' is out of range (0 to 8796093022207)")]
    [InlineData("builder", "min_free_mb", "lots", "'lots' is not a whole number")]
    [InlineData("builder", "backend", "docker", "'docker' is not a known build backend (use auto or mock or rpmbuild)")]
    [InlineData("builder", "arch", "amd64", "'amd64' is not a known arch (use aarch64, armhfp, armv7l, i386, i586, i686, noarch, ppc, ppc64, ppc64le, x86_64)")]
    [InlineData("builder", "fqdn", "two words", "'two words' contains a blank")]
    [InlineData("builder", "mock_path", "", "is empty")]
    [InlineData("queue", "backend", "rabbitmq", "'rabbitmq' is not a known queue backend (use embedded or beanstalkd)")]
    [InlineData("queue", "port", "0", "'0' is not a port (1 to 65535)")]
    [InlineData("queue", "port", "65536", "'65536' is not a port (1 to 65535)")]
    [InlineData("queue", "port", "99999999999999999999", "'99999999999999999999' is not a port (1 to 65535)")]
    [InlineData("queue", "port", "http", "'http' is not a port (1 to 65535)")]
    [InlineData("repogen", "workers", "0", "'0' is out of range (1 to 1024)")]
    [InlineData("repogen", "workers", "four", "'four' is not a whole number")]
    [InlineData("repogen", "retain_old_md", "-1", "'-1' is out of range (0 to 1000)")]
    [InlineData("repogen", "sqlite", "maybe", "'maybe' is not a boolean (use true/false, yes/no, on/off or 1/0)")]
    [InlineData("history", "backend", "cassandra", "'cassandra' is not a known history backend (use sqlite or postgresql or mongodb)")]
    [InlineData("bstore", "base_url", "ftp://bstore/repo", "'ftp://bstore/repo' is not an http:// or https:// URL")]
    [InlineData("bstore", "base_url", "bstore/repo", "'bstore/repo' is not an http:// or https:// URL")]
    [InlineData("mail", "mail_from", "reimzul", "'reimzul' is not a mail address (user@domain)")]
    [InlineData("mail", "notifications", "sometimes", "'sometimes' is not a boolean (use true/false, yes/no, on/off or 1/0)")]
    [InlineData("mail_rcpts", "x86-64", "a@example.org", "is not an arch name (letters, digits and _)")]
    [InlineData("mqtt", "port", "-1", "'-1' is not a port (1 to 65535)")]
    [InlineData("mqtt", "topic", "reimzul/#", "'reimzul/#' contains an MQTT wildcard ('+' or '#')")]
    [InlineData("mqtt", "tls_insecure", "sure", "'sure' is not a boolean (use true/false, yes/no, on/off or 1/0)")]
    [InlineData("mqtt", "tls_cert", "", "is empty")]
    [InlineData("paths", "data_dir", "relative/dir", "'relative/dir' is not an absolute path")]
    [InlineData("paths", "repo", "", "is empty")]
    [InlineData("logs", "logfile", "", "is empty")]
    [InlineData("scm", "git_url", "", "is empty")]
    public void ABadValueNamesFileLineSectionKeyAndReason(string section, string key, string value, string reason)
    {
        var ex = files.Error($"# leading comment\n[{section}]\n\n{key} = {value}\n", out var path);

        Assert.Equal($"{path}:4: [{section}] {key}: {reason}", ex.Message);
        Assert.Equal((path, 4), (ex.File, ex.Line));
    }

    [Fact]
    public void TheErrorFromTheBriefReadsAsExpected()
    {
        var ex = files.Error("[builder]\narch = x86_64\nfqdn = b1\nbackend = mock\nmock_path = mock\nrpmbuild_path = rpmbuild\n" +
            "ttr = 2m\nmin_free_mb = 1\nretry_delay = 30s\n\n\ntimeout = 5x\n", out var path);

        Assert.Equal($"{path}:12: [builder] timeout: '5x' is not a duration (use 90, 90s, 15m or 6h)", ex.Message);
    }

    [Fact]
    public void AnUnknownSectionIsATypoAndListsTheKnownOnes()
    {
        var ex = files.Error("[queue]\nport = 11300\n[bulider]\narch = x86_64\n", out var path);

        Assert.Equal($"{path}:3: [bulider]: unknown section; known sections: acl, bstore, builder, controller, history, logs, mail, mail_rcpts, mqtt, paths, queue, repogen, scm, tls, web", ex.Message);
    }

    [Fact]
    public void AnUnknownKeyInAKnownSectionIsATypoAndListsTheKnownKeys()
    {
        var ex = files.Error("[builder]\ntimout = 6h\n", out var path);

        Assert.Equal($"{path}:2: [builder] timout: unknown key; known keys: arch, backend, build_user, bwrap_path, fqdn, metrics_listen, metrics_port, min_free_mb, mock_path, prestart_sandbox, retry_delay, rpmbuild_path, sandbox, timeout, ttr", ex.Message);
    }

    [Fact]
    public void MailRecipientsTakeAnyArchKey()
    {
        var path = files.Write("r.ini", "[mail_rcpts]\nriscv64 = r@example.org\nppc64le =\n");

        var recipients = files.Load(path).Mail.Recipients;

        Assert.Equal(["r@example.org"], recipients["riscv64"]);
        Assert.Empty(recipients["ppc64le"]);
    }

    [Fact]
    public void ADuplicateKeyNamesBothLines()
    {
        var ex = files.Error("[queue]\nport = 11300\nhost = q\nPort = 11301\n", out var path);

        Assert.Equal($"{path}:4: [queue] port: duplicate key (first set on line 2)", ex.Message);
    }

    [Fact]
    public void ASyntaxErrorNamesTheFileAndLine()
    {
        var ex = files.Error("[queue]\nport 11300\n", out var path);

        Assert.Equal($"{path}:2: expected '[section]', 'key = value' or 'key: value'", ex.Message);
    }
}

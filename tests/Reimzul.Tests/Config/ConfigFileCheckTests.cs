using Reimzul.Config;

namespace Reimzul.Tests.Config;

/// <summary>The files and dirs a config names are checked at start, each error naming file, line, key and reason.</summary>
public sealed class ConfigFileCheckTests : IDisposable
{
    private readonly ConfigFiles files = new();

    public void Dispose() => files.Dispose();

    private ConfigException ErrorOnThisHost(string text, out string path)
    {
        path = files.Write($"c-{Guid.NewGuid():N}.ini", text);
        var file = path;
        return Assert.Throws<ConfigException>(() => files.LoadOnThisHost(file, dataDirOverride: files.Dir));
    }

    public static TheoryData<string, string, string> FilesThatMustExist => new()
    {
        // section, key, what else the section needs for the key to be allowed (after it)
        { "queue", "ca_cert", "backend = beanstalkd\ntls = yes" },
        { "queue", "tls_cert", "tls = yes" },
        { "controller", "tokens", "" },
        { "controller", "token_file", "" },
        { "bstore", "tokens", "" },
        { "bstore", "token_file", "" },
        { "bstore", "rsync_password_file", "rsync_url = rsync://bstore.example.org/bstore" },
        { "tls", "ca_cert", "" },
        { "tls", "server_cert", "" },
        { "tls", "server_key", "" },
        { "tls", "client_cert", "" },
        { "tls", "client_key", "" },
        { "mqtt", "ca_cert", "" },
        { "mqtt", "tls_cert", "" },
        { "mqtt", "tls_key", "" },
    };

    [Theory]
    [MemberData(nameof(FilesThatMustExist))]
    public void ANamedFileThatDoesNotExistNamesFileLineKeyAndPath(string section, string key, string rest)
    {
        var ex = ErrorOnThisHost($"[{section}]\n{key} = missing.pem\n{rest}\n", out var path);

        Assert.Equal($"{path}:2: [{section}] {key}: '{Path.Combine(files.Dir, "missing.pem")}' does not exist", ex.Message);
        Assert.Equal((path, 2), (ex.File, ex.Line));
    }

    [Fact]
    public void AQueueTlsKeyThatDoesNotExistIsAnError()
    {
        var cert = files.Write("builder.crt", "cert");

        var ex = ErrorOnThisHost($"[queue]\ntls = yes\ntls_cert = {cert}\ntls_key = builder.key\n", out var path);

        Assert.Equal($"{path}:4: [queue] tls_key: '{Path.Combine(files.Dir, "builder.key")}' does not exist", ex.Message);
    }

    [Fact]
    public void ADirectoryNamedAsACertificateIsAnError()
    {
        var ex = ErrorOnThisHost($"[queue]\ntls = yes\nca_cert = {files.Dir}\n", out var path);

        Assert.Equal($"{path}:3: [queue] ca_cert: '{files.Dir}' is a directory, not a file", ex.Message);
    }

    [Fact]
    public void ADanglingSymlinkNamedAsACertificateIsAnError()
    {
        var link = Path.Combine(files.Dir, "ca.pem");
        File.CreateSymbolicLink(link, "/nonexistent/ca.pem");

        var ex = ErrorOnThisHost("[queue]\ntls = yes\nca_cert = ca.pem\n", out var path);

        Assert.Equal($"{path}:3: [queue] ca_cert: '{link}' is a dangling symlink (to '/nonexistent/ca.pem')", ex.Message);
    }

    [Fact]
    public void FilesThatExistLoadAndOptionalOnesMayBeLeftOutOrEmpty()
    {
        var ca = files.Write("pki/ca.pem", "ca");
        files.Write("tokens", "0123456789abcdefgh alice\n");
        var path = files.Write("ok.ini", $"""
            [queue]
            backend = beanstalkd
            tls = yes
            ca_cert = pki/ca.pem
            tls_cert =
            tls_key =
            [controller]
            tokens = tokens
            [tls]
            ca_cert = {ca}
            """);

        var config = files.LoadOnThisHost(path, dataDirOverride: Path.Combine(files.Dir, "new", "data"));

        Assert.Equal(ca, config.Queue.CaCert);
        Assert.Null(config.Queue.TlsCert);
        Assert.Null(config.Mqtt.CaCert);
    }

    [Fact]
    public void ADataDirUnderAPlainFileNamesTheKey()
    {
        var plain = files.Write("plain", "");
        var path = files.Write("c.ini", $"[paths]\ndata_dir = {plain}/data\n");

        var ex = Assert.Throws<ConfigException>(() => files.LoadOnThisHost(path));

        Assert.Equal($"{path}:2: [paths] data_dir: '{plain}/data' cannot be created: '{plain}' is not a directory", ex.Message);
    }

    [Fact]
    public void AnIncomingDirThatIsAFileNamesTheKey()
    {
        var plain = files.Write("plain", "");

        var ex = ErrorOnThisHost($"[paths]\nincoming = {plain}\n", out var path);

        Assert.Equal($"{path}:2: [paths] incoming: '{plain}' is a file, not a directory", ex.Message);
    }

    [Fact]
    public void ALogFileUnderAPlainFileNamesTheKey()
    {
        var plain = files.Write("plain", "");

        var ex = ErrorOnThisHost($"[logs]\nlogfile = {plain}/log/reimzul.log\n", out var path);

        Assert.Equal($"{path}:2: [logs] logfile: '{plain}/log/reimzul.log' cannot be created: '{plain}' is not a directory", ex.Message);
    }

    [Fact]
    public void AnIncomingDirUnderTheDataDirThatIsAFileBlamesTheDataDir()
    {
        var data = Path.Combine(files.Dir, "data");
        files.Write("data/incoming", "");
        var path = files.Write("c.ini", $"[paths]\ndata_dir = {data}\n");

        var ex = Assert.Throws<ConfigException>(() => files.LoadOnThisHost(path));

        Assert.Equal($"{path}:2: [paths] data_dir: '{data}' cannot hold incoming: '{data}/incoming' is a file, not a directory", ex.Message);
    }

    [Fact]
    public void ADataDirFromTheEnvironmentThatIsAFileSaysWhereItCameFrom()
    {
        var plain = files.Write("plain", "");
        files.Environment["REIMZUL_DATA_DIR"] = plain;

        var ex = Assert.Throws<ConfigException>(() => files.LoadOnThisHost());

        Assert.Equal($"(no config file): data dir '{plain}' (from REIMZUL_DATA_DIR) is a file, not a directory", ex.Message);
    }
}

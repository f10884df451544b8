using Reimzul.Config;
using Reimzul.Queue.Embedded;

namespace Reimzul.Tests.Config;

public sealed class ConfigLoaderTests : IDisposable
{
    private readonly ConfigFiles files = new();

    public void Dispose() => files.Dispose();

    [Fact]
    public void WithoutAnyFileEverythingHasItsDefault()
    {
        var config = files.Load();

        Assert.Null(config.SourceFile);
        Assert.Equal(ReimzulPaths.UnderDataDir(ReimzulPaths.DefaultDataDir()), config.Paths);
        Assert.Equal(new QueueOptions(), config.Queue);
        Assert.Equal(new BuilderOptions(), config.Builder);
        Assert.Equal(new RepogenOptions(), config.Repogen);
        Assert.Equal(new HistoryOptions(), config.History);
        Assert.Equal(new ScmOptions(), config.Scm);
        Assert.Equal(new MqttOptions(), config.Mqtt);
        Assert.False(config.Mail.Notifications);
        Assert.Empty(config.Mail.Recipients);
        Assert.False(config.Mqtt.Notifications);
        // One machine: the web role serves the repo.
        Assert.Equal("http://localhost:11082/bstore/repo/", config.BstoreBaseUrl);
    }

    [Fact]
    public void TheRepoIsServedByBstoreByDefaultWithBeanstalkdAndByTheWebRoleOnOneMachine()
    {
        Assert.Equal("http://localhost:11081/bstore/repo/", files.Load(files.Write("many.ini", "[queue]\nbackend = beanstalkd\n")).BstoreBaseUrl);
        Assert.Equal("http://localhost:8080/bstore/repo/", files.Load(files.Write("web.ini", "[web]\nport = 8080\n")).BstoreBaseUrl);
        Assert.Equal("https://repo.example.org/r/", files.Load(files.Write("set.ini", "[bstore]\nbase_url = https://repo.example.org/r/\n")).BstoreBaseUrl);
    }

    [Fact]
    public void TheSystemFileIsReadWhenItExists()
    {
        files.Write("etc/reimzul.ini", "[queue]\nport = 11301\n");

        var config = files.Load();

        Assert.Equal(files.SystemConfigPath, config.SourceFile);
        Assert.Equal(11301, config.Queue.Port);
    }

    [Fact]
    public void TheEnvironmentBeatsTheSystemFile()
    {
        files.Write("etc/reimzul.ini", "[queue]\nport = 11301\n");
        files.Environment["REIMZUL_CONFIG"] = files.Write("env.ini", "[queue]\nport = 11302\n");

        Assert.Equal(11302, files.Load().Queue.Port);
    }

    [Fact]
    public void TheArgumentBeatsTheEnvironment()
    {
        files.Environment["REIMZUL_CONFIG"] = files.Write("env.ini", "[queue]\nport = 11302\n");
        var given = files.Write("given.ini", "[queue]\nport = 11303\n");

        var config = files.Load(given);

        Assert.Equal(11303, config.Queue.Port);
        Assert.Equal(given, config.SourceFile);
    }

    [Fact]
    public void AnEmptyEnvironmentVariableCountsAsUnset()
    {
        files.Environment["REIMZUL_CONFIG"] = "";
        files.Environment["REIMZUL_DATA_DIR"] = "";

        var config = files.Load();

        Assert.Null(config.SourceFile);
        Assert.Equal(ReimzulPaths.DefaultDataDir(), config.Paths.DataDir);
    }

    [Fact]
    public void AGivenFileThatDoesNotExistIsAnError()
    {
        var missing = Path.Combine(files.Dir, "missing.ini");

        var ex = Assert.Throws<ConfigException>(() => files.Load(missing));

        Assert.Equal($"{missing}: config file does not exist", ex.Message);
    }

    [Fact]
    public void AFileNamedByTheEnvironmentThatDoesNotExistIsAnError()
    {
        var missing = Path.Combine(files.Dir, "missing.ini");
        files.Environment["REIMZUL_CONFIG"] = missing;

        var ex = Assert.Throws<ConfigException>(() => files.Load());

        Assert.Equal($"{missing}: config file named by REIMZUL_CONFIG does not exist", ex.Message);
    }

    [Fact]
    public void AnUnreadableConfigIsAnError()
    {
        // A directory cannot be read as a file, whoever runs the test (root reads any mode-000 file).
        var directory = Path.Combine(files.Dir, "a-directory.ini");
        Directory.CreateDirectory(directory);
        files.Environment["REIMZUL_CONFIG"] = directory;

        var ex = Assert.Throws<ConfigException>(() => files.Load());

        Assert.StartsWith($"{directory}: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheDataDirComesFromTheOverrideThenTheEnvironmentThenTheFile()
    {
        var config = files.Write("c.ini", "[paths]\ndata_dir = /srv/from-file\n");
        files.Environment["REIMZUL_DATA_DIR"] = "/srv/from-env";

        Assert.Equal("/srv/from-override", files.Load(config, "/srv/from-override").Paths.DataDir);
        Assert.Equal("/srv/from-env", files.Load(config).Paths.DataDir);
        files.Environment.Remove("REIMZUL_DATA_DIR");
        Assert.Equal("/srv/from-file", files.Load(config).Paths.DataDir);
    }

    [Fact]
    public void EveryPathDerivesFromTheDataDir()
    {
        var config = files.Load(dataDirOverride: "/srv/reimzul");

        Assert.Equal(ReimzulPaths.UnderDataDir("/srv/reimzul"), config.Paths);
        Assert.Equal("/srv/reimzul/bstore/repo", config.Paths.Repo);
        Assert.Equal("/srv/reimzul/log/reimzul.log", config.Paths.LogFile);
    }

    [Fact]
    public void IndividualPathsOverrideTheTreeAndRelativeOnesLiveUnderTheDataDir()
    {
        var path = files.Write("c.ini", """
            [paths]
            data_dir = /srv/reimzul
            incoming = /var/spool/reimzul/incoming
            results = work
            repo = /srv/www/repo
            tosign = /srv/tosign
            cache = /var/cache/reimzul
            mock_configs = /etc/reimzul/mock
            queue_db = db/queue.sqlite
            history_db = /var/lib/reimzul/history.sqlite

            [logs]
            logfile = /var/log/reimzul/reimzul.log
            """);

        var paths = files.Load(path).Paths;

        Assert.Equal(new ReimzulPaths
        {
            DataDir = "/srv/reimzul",
            Incoming = "/var/spool/reimzul/incoming",
            Results = "/srv/reimzul/work",
            Repo = "/srv/www/repo",
            Tosign = "/srv/tosign",
            Cache = "/var/cache/reimzul",
            MockConfigs = "/etc/reimzul/mock",
            QueueDatabase = "/srv/reimzul/db/queue.sqlite",
            HistoryDatabase = "/var/lib/reimzul/history.sqlite",
            LogFile = "/var/log/reimzul/reimzul.log",
        }, paths);
    }

    [Fact]
    public void EveryKeyIsReadIntoItsOption()
    {
        var path = files.Write("full.ini", """
            [bstore]
            base_url = https://bstore.example.org/repo/
            [scm]
            git_url = https://git.example.org
            [queue]
            backend = Beanstalkd
            host = queue.example.org
            port = 11400
            [builder]
            arch = ppc64le
            fqdn = builder7.example.org
            backend = rpmbuild
            mock_path = /usr/local/bin/mock
            rpmbuild_path = /usr/local/bin/rpmbuild
            sandbox = None
            bwrap_path = /opt/bin/bwrap
            prestart_sandbox = no
            build_user = reimzul-build
            timeout = 90m
            ttr = 300
            min_free_mb = 2048
            retry_delay = 45s
            [repogen]
            createrepo_path = /opt/createrepo_c
            workers = 3
            sqlite = yes
            retain_old_md = 0
            [history]
            backend = sqlite
            [mail]
            notifications = on
            mail_from = reimzul@example.org
            smtp_host = smtp.example.org
            smtp_port = 587
            [mail_rcpts]
            x86_64 = a@example.org, b@example.org
            AArch64 = c@example.org
            [mqtt]
            notifications = true
            host = mqtt.example.org
            port = 1883
            ca_cert = ca.crt
            tls_cert = /etc/pki/client.crt
            tls_key = /etc/pki/client.key
            tls_insecure = 1
            topic = centos/reimzul
            username = builder
            password = s3cret
            """);

        var config = files.Load(path);

        Assert.Equal("https://bstore.example.org/repo/", config.BstoreBaseUrl);
        Assert.Equal("https://git.example.org", config.Scm.GitUrl);
        Assert.Equal(new QueueOptions { Backend = "beanstalkd", Host = "queue.example.org", Port = 11400 }, config.Queue);
        Assert.Equal(new BuilderOptions
        {
            Arch = "ppc64le",
            Fqdn = "builder7.example.org",
            Backend = "rpmbuild",
            MockPath = "/usr/local/bin/mock",
            RpmbuildPath = "/usr/local/bin/rpmbuild",
            Sandbox = "none",
            BwrapPath = "/opt/bin/bwrap",
            PrestartSandbox = false,
            BuildUser = "reimzul-build",
            BuildTimeout = TimeSpan.FromMinutes(90),
            JobTtr = TimeSpan.FromSeconds(300),
            MinFreeBytes = 2048L * 1024 * 1024,
            RetryDelay = TimeSpan.FromSeconds(45),
        }, config.Builder);
        Assert.Equal(new RepogenOptions { CreaterepoPath = "/opt/createrepo_c", Workers = 3, Sqlite = true, RetainOldMd = 0 }, config.Repogen);
        Assert.Equal("sqlite", config.History.Backend);
        Assert.True(config.Mail.Notifications);
        Assert.Equal("reimzul@example.org", config.Mail.From);
        Assert.Equal(("smtp.example.org", 587), (config.Mail.SmtpHost, config.Mail.SmtpPort));
        Assert.Equal(["a@example.org", "b@example.org"], config.Mail.Recipients["x86_64"]);
        Assert.Equal(["c@example.org"], config.Mail.Recipients["aarch64"]);
        Assert.Equal(new MqttOptions
        {
            Notifications = true,
            Host = "mqtt.example.org",
            Port = 1883,
            CaCert = Path.Combine(files.Dir, "ca.crt"),
            TlsCert = "/etc/pki/client.crt",
            TlsKey = "/etc/pki/client.key",
            TlsInsecure = true,
            Topic = "centos/reimzul",
            Username = "builder",
            Password = "s3cret",
        }, config.Mqtt);
    }

    [Theory]
    [InlineData("90", 90)]
    [InlineData("90s", 90)]
    [InlineData("15m", 900)]
    [InlineData("6h", 21600)]
    [InlineData("2d", 172800)]
    public void DurationsAcceptSecondsOrAUnit(string text, int seconds)
    {
        var path = files.Write("d.ini", $"[builder]\ntimeout = {text}\n");

        Assert.Equal(TimeSpan.FromSeconds(seconds), files.Load(path).Builder.BuildTimeout);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("Yes", true)]
    [InlineData("on", true)]
    [InlineData("1", true)]
    [InlineData("false", false)]
    [InlineData("NO", false)]
    [InlineData("off", false)]
    [InlineData("0", false)]
    public void BooleansAcceptConfigParserWords(string text, bool value)
    {
        var path = files.Write("b.ini", $"[repogen]\nsqlite = {text}\n");

        Assert.Equal(value, files.Load(path).Repogen.Sqlite);
    }

    [Fact]
    public void TheMqttPasswordNeverShowsInTheConfigAsText()
    {
        var path = files.Write("p.ini", "[mqtt]\nusername = builder\npassword = hunter2\n");

        var text = files.Load(path).ToString();

        Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
        Assert.Contains("Username = builder", text, StringComparison.Ordinal);
    }
}

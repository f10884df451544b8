using Reimzul.Messages;
using Reimzul.Queue.Embedded;
using Reimzul.Rpm;

namespace Reimzul.Config;

/// <summary>
/// Finds, reads and checks the INI configuration. Unknown sections and keys are errors (a typo must not
/// silently leave a default in place), and every error names the file, line, section, key and reason.
/// </summary>
public static class ConfigLoader
{
    public const string SystemConfigPath = "/etc/reimzul/reimzul.ini";
    public const string ConfigEnvironmentVariable = "REIMZUL_CONFIG";
    public const string DataDirEnvironmentVariable = "REIMZUL_DATA_DIR";

    // [mail_rcpts] takes any arch as key, so it has no list here.
    internal const string MailRecipientsSection = "mail_rcpts";

    // [acl] takes any CN or token name as key.
    internal const string AclSection = "acl";

    internal static readonly IReadOnlyDictionary<string, string[]> KnownKeys = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["bstore"] =
        [
            "base_url", "url", "listen", "port", "https", "client_certs", "tokens", "token_file", "writers", "listing", "upload_retry_limit",
            "rsync_url", "rsync_path", "rsync_password_file", "rsync_attempts", "rsync_retry_delay", "rsync_max_retry_delay", "rsync_timeout",
        ],
        ["controller"] = ["url", "listen", "port", "https", "client_certs", "tokens", "token_file", "writers", "max_srpm_mb"],
        ["tls"] = ["ca_cert", "server_cert", "server_key", "client_cert", "client_key"],
        ["scm"] = ["git_url", "git_path", "timeout", "max_source_mb"],
        [AclSection] = [],
        ["logs"] = ["logfile"],
        ["mail"] = ["notifications", "mail_from", "smtp_host", "smtp_port", "starttls", "user", "password_file"],
        [MailRecipientsSection] = [],
        ["mqtt"] = ["notifications", "host", "port", "ca_cert", "tls_cert", "tls_key", "tls_insecure", "topic", "username", "password", "trust_payload_submitter"],
        ["paths"] = ["data_dir", "incoming", "results", "repo", "tosign", "cache", "mock_configs", "queue_db", "history_db"],
        ["queue"] = ["backend", "host", "port", "tls", "ca_cert", "tls_cert", "tls_key", "tls_server_name"],
        ["builder"] = ["arch", "fqdn", "backend", "mock_path", "rpmbuild_path", "sandbox", "bwrap_path", "prestart_sandbox", "build_user", "timeout", "ttr", "min_free_mb", "retry_delay", "metrics_listen", "metrics_port"],
        ["repogen"] = ["createrepo_path", "workers", "sqlite", "retain_old_md"],
        ["history"] = ["backend", "url", "password_file"],
        ["web"] = ["enabled", "url", "listen", "port", "https", "client_certs", "tokens", "token_file", "writers", "read_tokens", "builders_seen_within"],
    };

    private static readonly TimeSpan LongestDuration = TimeSpan.FromDays(365);

    /// <summary>
    /// Config file: <paramref name="configPath"/>, else <c>REIMZUL_CONFIG</c>, else <see cref="SystemConfigPath"/> if it
    /// exists, else none (all defaults). Data dir: <paramref name="dataDirOverride"/>, else <c>REIMZUL_DATA_DIR</c>, else
    /// <c>[paths] data_dir</c>, else <see cref="ReimzulPaths.DefaultDataDir"/>.
    /// </summary>
    /// <exception cref="ConfigException">A named config file is missing or unreadable, or a value is wrong.</exception>
    public static ReimzulConfig Load(string? configPath, string? dataDirOverride) =>
        Load(configPath, dataDirOverride, Environment.GetEnvironmentVariable, SystemConfigPath, checkFiles: true);

    /// <summary>
    /// As <see cref="Load(string?, string?)"/>, with the environment and the system config path given (tests);
    /// <paramref name="checkFiles"/> also checks the named files and dirs on this host (see <see cref="CheckFiles"/>).
    /// </summary>
    internal static ReimzulConfig Load(string? configPath, string? dataDirOverride, Func<string, string?> environment, string systemConfigPath, bool checkFiles)
    {
        var file = FindConfigFile(configPath, environment, systemConfigPath);
        var ini = file is null ? IniFile.Parse("", "(no config file)") : IniFile.Load(file);
        CheckKnown(ini);
        var (dataDir, dataDirSource) = NonEmpty(dataDirOverride) is { } given ? (given, "given")
            : NonEmpty(environment(DataDirEnvironmentVariable)) is { } fromEnvironment ? (fromEnvironment, $"from {DataDirEnvironmentVariable}")
            : (null, null);
        var config = Build(ini, file, dataDir);
        if (checkFiles)
        {
            CheckFiles(ini, config, dataDirSource);
        }
        return config;
    }

    /// <summary>
    /// Every file the config names must be there and readable, every dir must be there or creatable: a missing CA
    /// certificate would otherwise have a worker retry for ever, a data dir under a plain file fail in the first role
    /// that writes there. Keys left out or empty name nothing and are not checked.
    /// </summary>
    private static void CheckFiles(IniFile ini, ReimzulConfig config, string? dataDirSource)
    {
        ConfigSection Section(string name) => new(ini.Source, name, ini.Section(name));
        var paths = Section("paths");
        var dataDirEntry = paths.Raw?.Entry("data_dir");
        ConfigException DataDirError(string reason) =>
            dataDirSource is null && dataDirEntry is not null
                ? paths.Error(dataDirEntry, $"'{config.Paths.DataDir}' {reason}")
                : new ConfigException(ini.Source, null, $"data dir '{config.Paths.DataDir}' ({dataDirSource ?? "the default"}) {reason}");

        if (PathChecks.WhyNotADirectory(config.Paths.DataDir) is { } dataDirProblem)
        {
            throw DataDirError(dataDirProblem);
        }
        var tree = new (ConfigSection Section, string Key, string Path, bool IsDir)[]
        {
            (paths, "incoming", config.Paths.Incoming, true),
            (paths, "results", config.Paths.Results, true),
            (paths, "repo", config.Paths.Repo, true),
            (paths, "tosign", config.Paths.Tosign, true),
            (paths, "cache", config.Paths.Cache, true),
            (paths, "mock_configs", config.Paths.MockConfigs, true),
            (paths, "queue_db", config.Paths.QueueDatabase, false),
            (paths, "history_db", config.Paths.HistoryDatabase, false),
            (Section("logs"), "logfile", config.Paths.LogFile, false),
        };
        foreach (var (section, key, path, isDir) in tree)
        {
            if ((isDir ? PathChecks.WhyNotADirectory(path) : PathChecks.WhyNoFileCanGoThere(path)) is { } why)
            {
                throw section.Raw?.Entry(key) is { } entry
                    ? section.Error(entry, $"'{path}' {why}")
                    : DataDirError($"cannot hold {key}: '{path}' {why}");
            }
        }

        var files = new (string Section, string Key, string? Path)[]
        {
            ("queue", "ca_cert", config.Queue.CaCert),
            ("queue", "tls_cert", config.Queue.TlsCert),
            ("queue", "tls_key", config.Queue.TlsKey),
            ("controller", "tokens", config.Controller.Http.Tokens),
            ("controller", "token_file", config.Controller.Http.TokenFile),
            ("bstore", "tokens", config.Bstore.Http.Tokens),
            ("bstore", "token_file", config.Bstore.Http.TokenFile),
            ("bstore", "rsync_password_file", config.BstoreRsync?.PasswordFile),
            ("web", "tokens", config.Web.Http.Tokens),
            ("web", "read_tokens", config.Web.ReadTokens),
            ("web", "token_file", config.Web.Http.TokenFile),
            ("tls", "ca_cert", config.Tls.CaCert),
            ("tls", "server_cert", config.Tls.ServerCert),
            ("tls", "server_key", config.Tls.ServerKey),
            ("tls", "client_cert", config.Tls.ClientCert),
            ("tls", "client_key", config.Tls.ClientKey),
            ("mqtt", "ca_cert", config.Mqtt.CaCert),
            ("mqtt", "tls_cert", config.Mqtt.TlsCert),
            ("mqtt", "tls_key", config.Mqtt.TlsKey),
            ("mail", "password_file", config.Mail.PasswordFile),
            ("history", "password_file", config.History.PasswordFile),
        };
        foreach (var (name, key, path) in files)
        {
            var section = Section(name);
            if (path is not null && section.Raw?.Entry(key) is { } entry && PathChecks.WhyNotAReadableFile(path) is { } why)
            {
                throw section.Error(entry, $"'{path}' {why}");
            }
        }
    }

    private static string? FindConfigFile(string? configPath, Func<string, string?> environment, string systemConfigPath)
    {
        if (NonEmpty(configPath) is { } given)
        {
            return File.Exists(given) ? given : throw new ConfigException(given, null, "config file does not exist");
        }
        if (NonEmpty(environment(ConfigEnvironmentVariable)) is { } fromEnvironment)
        {
            return File.Exists(fromEnvironment)
                ? fromEnvironment
                : throw new ConfigException(fromEnvironment, null, $"config file named by {ConfigEnvironmentVariable} does not exist");
        }
        return File.Exists(systemConfigPath) ? systemConfigPath : null;
    }

    private static void CheckKnown(IniFile ini)
    {
        foreach (var section in ini.Sections)
        {
            if (!KnownKeys.TryGetValue(section.Name, out var keys))
            {
                throw new ConfigException(ini.Source, section.Line,
                    $"[{section.Name}]: unknown section; known sections: {string.Join(", ", KnownKeys.Keys.Order(StringComparer.Ordinal))}");
            }
            if (section.Name is MailRecipientsSection or AclSection)
            {
                continue;
            }
            foreach (var entry in section.Entries.Where(e => !keys.Contains(e.Key, StringComparer.Ordinal)))
            {
                throw new ConfigException(ini.Source, entry.Line,
                    $"[{section.Name}] {entry.Key}: unknown key; known keys: {string.Join(", ", keys.Order(StringComparer.Ordinal))}");
            }
        }
    }

    private static ReimzulConfig Build(IniFile ini, string? file, string? dataDirOverride)
    {
        ConfigSection Section(string name) => new(ini.Source, name, ini.Section(name));

        var defaults = new ReimzulConfig { Paths = ReimzulPaths.UnderDataDir(ReimzulPaths.DefaultDataDir()) };
        var configDir = file is null ? Directory.GetCurrentDirectory() : Path.GetDirectoryName(Path.GetFullPath(file))!;
        var config = new ReimzulConfig
        {
            SourceFile = file,
            Paths = ReadPaths(Section("paths"), Section("logs"), dataDirOverride),
            BstoreBaseUrl = Section("bstore").Checked("base_url", CheckHttpUrl) ?? defaults.BstoreBaseUrl,
            BstoreRsync = ReadRsync(Section("bstore"), configDir),
            Scm = ScmOptions.Read(Section("scm")),
            Acl = ReadAcl(ini, Section(AclSection)),
            Queue = ReadQueue(Section("queue"), configDir),
            Builder = ReadBuilder(Section("builder")),
            Repogen = ReadRepogen(Section("repogen")),
            History = ReadHistory(Section("history"), configDir),
            Mail = ReadMail(Section("mail"), Section(MailRecipientsSection), configDir),
            Mqtt = ReadMqtt(Section("mqtt"), configDir),
            Controller = ReadController(Section("controller"), configDir),
            Bstore = ReadBstore(Section("bstore"), configDir),
            Tls = ReadTls(Section("tls"), configDir),
            Web = ReadWeb(Section("web"), configDir),
        };
        if (Section("bstore").Text("base_url") is null && config.WebServesRepo)
        {
            // One machine: the web role serves the repo, so logs, RPMs and mock's repos are reached there.
            config = config with { BstoreBaseUrl = config.Web.Http.Url.TrimEnd('/') + "/bstore/repo/" };
        }
        return WithClientCertificateDefaults(config, Section("builder"));
    }

    /// <summary>
    /// <c>[tls] client_cert</c> is this machine's identity: the beanstalkd client presents it too unless <c>[queue]</c>
    /// names its own pair, and a builder without <c>[builder] fqdn</c> is named by its CN, the name bstore
    /// authenticates its uploads by. One certificate, set once.
    /// </summary>
    private static ReimzulConfig WithClientCertificateDefaults(ReimzulConfig config, ConfigSection builder)
    {
        var tls = config.Tls;
        if (tls.ClientCert is null || tls.ClientKey is null)
        {
            return config;
        }
        var queue = config.Queue.Tls && config.Queue.TlsCert is null && config.Queue.TlsKey is null
            ? config.Queue with { TlsCert = tls.ClientCert, TlsKey = tls.ClientKey }
            : config.Queue;
        var named = builder.Raw?.Entry("fqdn") is null && CertificateNames.TryReadCommonName(tls.ClientCert) is { } commonName
            ? config.Builder with { Fqdn = commonName }
            : config.Builder;
        return config with { Queue = queue, Builder = named };
    }

    // Individually set paths that are relative live under the data dir, so one data dir moves the whole tree.
    private static ReimzulPaths ReadPaths(ConfigSection paths, ConfigSection logs, string? dataDirOverride)
    {
        var dataDir = dataDirOverride ?? paths.AbsolutePath("data_dir") ?? ReimzulPaths.DefaultDataDir();
        var tree = ReimzulPaths.UnderDataDir(dataDir);
        string Under(ConfigSection section, string key, string fallback) => section.Path(key, tree.DataDir) ?? fallback;
        return tree with
        {
            Incoming = Under(paths, "incoming", tree.Incoming),
            Results = Under(paths, "results", tree.Results),
            Repo = Under(paths, "repo", tree.Repo),
            Tosign = Under(paths, "tosign", tree.Tosign),
            Cache = Under(paths, "cache", tree.Cache),
            MockConfigs = Under(paths, "mock_configs", tree.MockConfigs),
            QueueDatabase = Under(paths, "queue_db", tree.QueueDatabase),
            HistoryDatabase = Under(paths, "history_db", tree.HistoryDatabase),
            LogFile = Under(logs, "logfile", tree.LogFile),
        };
    }

    // The connection string is checked here, so a typo fails at start naming [history] url, not at the first event.
    private static HistoryOptions ReadHistory(ConfigSection history, string configDir)
    {
        var backend = history.OneOf("backend", "history backend", HistoryOptions.Sqlite, HistoryOptions.PostgreSql, HistoryOptions.MongoDb) ?? HistoryOptions.Sqlite;
        IniEntry? Entry(string key) => history.Raw?.Entry(key);
        if (backend == HistoryOptions.Sqlite)
        {
            foreach (var key in new[] { "url", "password_file" })
            {
                // Empty means none, as for the other optional keys.
                if (Entry(key) is { } stray && NonEmpty(stray.Value) is not null)
                {
                    throw history.Error(stray, "has no effect with backend sqlite (its file is [paths] history_db)");
                }
            }
            return new HistoryOptions();
        }
        var url = history.Checked("url", backend == HistoryOptions.PostgreSql ? CheckPostgreSqlUrl : CheckMongoDbUrl)
            ?? throw history.Error(Entry("backend")!,
                $"{backend} needs [history] url, a connection string ({(backend == HistoryOptions.PostgreSql ? "Host=…;Database=…;Username=…" : "mongodb://host:27017/reimzul")})");
        if (backend == HistoryOptions.MongoDb && Entry("password_file") is { } unused && NonEmpty(unused.Value) is not null)
        {
            throw history.Error(unused, "has no effect with backend mongodb (credentials go in the url)");
        }
        return new HistoryOptions
        {
            Backend = backend,
            Url = url,
            PasswordFile = backend == HistoryOptions.PostgreSql && NonEmpty(history.Text("password_file")) is not null ? history.Path("password_file", configDir) : null,
        };
    }

    private static string? CheckPostgreSqlUrl(string value)
    {
        try
        {
            var settings = new Npgsql.NpgsqlConnectionStringBuilder(value);
            return string.IsNullOrWhiteSpace(settings.Host)
                ? $"'{Redacted(value)}' names no Host (e.g. Host=db.example.org;Database=reimzul;Username=reimzul)"
                : null;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException)
        {
            return $"'{Redacted(value)}' is not an Npgsql connection string (Host=…;Port=…;Database=…;Username=…): {ex.Message}";
        }
    }

    private static string? CheckMongoDbUrl(string value)
    {
        var rest = value.StartsWith("mongodb://", StringComparison.Ordinal) ? value["mongodb://".Length..]
            : value.StartsWith("mongodb+srv://", StringComparison.Ordinal) ? value["mongodb+srv://".Length..]
            : null;
        return rest is null ? $"'{Redacted(value)}' is not a MongoDB URL (mongodb://host:27017/reimzul)"
            : rest.Length == 0 || rest[0] is '/' or '?' ? $"'{Redacted(value)}' names no host"
            : value.Any(char.IsWhiteSpace) ? $"'{Redacted(value)}' contains a blank"
            : null;
    }

    // A connection string may hold a password: an error message shows it without.
    private static string Redacted(string connectionString) =>
        System.Text.RegularExpressions.Regex.Replace(connectionString, @"(?i)(password|pwd)\s*=[^;]*|(?<=://[^/@:]*:)[^/@]*(?=@)", m => m.Value.Contains('=', StringComparison.Ordinal) ? m.Value[..(m.Value.IndexOf('=', StringComparison.Ordinal) + 1)] + "***" : "***");

    // The rsync transport is off unless rsync_url names a daemon; its other keys alone would silently do nothing.
    private static RsyncOptions? ReadRsync(ConfigSection bstore, string configDir)
    {
        var url = bstore.Checked("rsync_url", RsyncModuleUrl.Problem);
        if (url is null)
        {
            var stray = bstore.Raw?.Entries.FirstOrDefault(e => e.Key.StartsWith("rsync_", StringComparison.Ordinal));
            return stray is null ? null : throw bstore.Error(stray, "has no effect without rsync_url");
        }
        var defaults = new RsyncOptions { ModuleUrl = RsyncModuleUrl.Normalize(url) };
        var retryDelay = bstore.Duration("rsync_retry_delay", TimeSpan.FromSeconds(1), LongestDuration) ?? defaults.RetryDelay;
        var maxRetryDelay = bstore.Duration("rsync_max_retry_delay", retryDelay, LongestDuration, "it caps the doubling rsync_retry_delay")
            ?? (defaults.MaxRetryDelay > retryDelay ? defaults.MaxRetryDelay : retryDelay);
        return defaults with
        {
            RsyncPath = bstore.Word("rsync_path") ?? defaults.RsyncPath,
            PasswordFile = bstore.Path("rsync_password_file", configDir),
            Attempts = bstore.Int("rsync_attempts", 1, 1000) ?? defaults.Attempts,
            RetryDelay = retryDelay,
            MaxRetryDelay = maxRetryDelay,
            IoTimeout = bstore.Duration("rsync_timeout", TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)) ?? defaults.IoTimeout,
        };
    }

    // TLS files sit next to the file that names them, as in [mqtt]; an empty value means "none".
    private static QueueOptions ReadQueue(ConfigSection queue, string configDir)
    {
        var defaults = new QueueOptions();
        string? OptionalPath(string key) => NonEmpty(queue.Text(key)) is null ? null : queue.Path(key, configDir);
        var options = new QueueOptions
        {
            Backend = queue.OneOf("backend", "queue backend", "embedded", "beanstalkd") ?? defaults.Backend,
            Host = queue.Word("host") ?? defaults.Host,
            Port = queue.Port("port") ?? defaults.Port,
            Tls = queue.Bool("tls") ?? defaults.Tls,
            CaCert = OptionalPath("ca_cert"),
            TlsCert = OptionalPath("tls_cert"),
            TlsKey = OptionalPath("tls_key"),
            TlsServerName = NonEmpty(queue.Text("tls_server_name")) is null ? null : queue.Word("tls_server_name"),
        };
        if (!options.Tls && queue.Raw is { } section)
        {
            // A certificate configured while TLS is off would silently send the queue in clear.
            foreach (var key in new[] { "ca_cert", "tls_cert", "tls_key", "tls_server_name" })
            {
                if (section.Entry(key) is { } entry && NonEmpty(entry.Value) is not null)
                {
                    throw queue.Error(entry, "is set but tls is off (set tls = yes)");
                }
            }
        }
        if (options.TlsKey is not null && options.TlsCert is null && queue.Raw?.Entry("tls_key") is { } keyEntry)
        {
            throw queue.Error(keyEntry, "is set without tls_cert");
        }
        return options;
    }

    private static BuilderOptions ReadBuilder(ConfigSection builder)
    {
        var defaults = new BuilderOptions();
        return new BuilderOptions
        {
            Arch = builder.Checked("arch", CheckBuilderArch) ?? defaults.Arch,
            Fqdn = builder.Word("fqdn") ?? defaults.Fqdn,
            Backend = builder.OneOf("backend", "build backend", "auto", "mock", "rpmbuild") ?? defaults.Backend,
            MockPath = builder.Word("mock_path") ?? defaults.MockPath,
            RpmbuildPath = builder.Word("rpmbuild_path") ?? defaults.RpmbuildPath,
            Sandbox = builder.OneOf("sandbox", "build sandbox", "bubblewrap", "none") ?? defaults.Sandbox,
            BwrapPath = builder.Word("bwrap_path") ?? defaults.BwrapPath,
            PrestartSandbox = builder.Bool("prestart_sandbox") ?? defaults.PrestartSandbox,
            BuildUser = builder.Word("build_user") ?? defaults.BuildUser,
            BuildTimeout = builder.Duration("timeout", TimeSpan.FromSeconds(1), LongestDuration) ?? defaults.BuildTimeout,
            JobTtr = builder.Duration("ttr", TimeSpan.FromSeconds(2), LongestDuration,
                "beanstalkd keeps the last second of a reservation as a safety margin") ?? defaults.JobTtr,
            MinFreeBytes = builder.Megabytes("min_free_mb", 0, long.MaxValue) ?? defaults.MinFreeBytes,
            // A zero delay would turn waiting for disk space into a busy loop.
            RetryDelay = builder.Duration("retry_delay", TimeSpan.FromSeconds(1), LongestDuration) ?? defaults.RetryDelay,
            MetricsListen = builder.Checked("metrics_listen", CheckListenAddress) ?? defaults.MetricsListen,
            MetricsPort = builder.Int("metrics_port", 0, 65535) ?? defaults.MetricsPort,
        };
    }

    private static RepogenOptions ReadRepogen(ConfigSection repogen)
    {
        var defaults = new RepogenOptions();
        return new RepogenOptions
        {
            CreaterepoPath = repogen.Word("createrepo_path") ?? defaults.CreaterepoPath,
            Workers = repogen.Int("workers", 1, 1024) ?? defaults.Workers,
            Sqlite = repogen.Bool("sqlite") ?? defaults.Sqlite,
            RetainOldMd = repogen.Int("retain_old_md", 0, 1000) ?? defaults.RetainOldMd,
        };
    }

    private static MailOptions ReadMail(ConfigSection mail, ConfigSection recipients, string configDir)
    {
        var defaults = new MailOptions();
        var byArch = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var entry in recipients.Raw?.Entries ?? [])
        {
            if (!entry.Key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                throw recipients.Error(entry, "is not an arch name (letters, digits and _)");
            }
            // A malformed address is kept: the mail sink logs it and mails the others, rather than one typo
            // stopping the notifier of every arch.
            byArch[entry.Key] = entry.Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        }
        return new MailOptions
        {
            Notifications = mail.Bool("notifications") ?? defaults.Notifications,
            From = mail.Checked("mail_from", CheckAddress) ?? defaults.From,
            SmtpHost = mail.Word("smtp_host") ?? defaults.SmtpHost,
            SmtpPort = mail.Port("smtp_port") ?? defaults.SmtpPort,
            StartTls = mail.Bool("starttls") ?? defaults.StartTls,
            User = NonEmpty(mail.Text("user")),
            PasswordFile = mail.Path("password_file", configDir),
            Recipients = byArch,
        };
    }

    // Certificates usually sit next to the file that names them (e.g. ~/.reimzul.ini and ~/.centos.cert).
    private static MqttOptions ReadMqtt(ConfigSection mqtt, string configDir)
    {
        var defaults = new MqttOptions();
        return new MqttOptions
        {
            Notifications = mqtt.Bool("notifications") ?? defaults.Notifications,
            Host = mqtt.Word("host") ?? defaults.Host,
            Port = mqtt.Port("port") ?? defaults.Port,
            CaCert = mqtt.Path("ca_cert", configDir),
            TlsCert = mqtt.Path("tls_cert", configDir),
            TlsKey = mqtt.Path("tls_key", configDir),
            TlsInsecure = mqtt.Bool("tls_insecure") ?? defaults.TlsInsecure,
            Topic = mqtt.Checked("topic", CheckTopic) ?? defaults.Topic,
            Username = NonEmpty(mqtt.Text("username")),
            Password = NonEmpty(mqtt.Text("password")),
            TrustPayloadSubmitter = mqtt.Bool("trust_payload_submitter") ?? defaults.TrustPayloadSubmitter,
        };
    }

    private static Authorization.BuildAcl? ReadAcl(IniFile ini, ConfigSection acl)
    {
        // A section with no lines (as in the sample, all commented out) is no ACL: the controller keeps the writers rule.
        if (acl.Raw is not { Entries.Count: > 0 } section)
        {
            return null;
        }
        foreach (var entry in section.Entries)
        {
            try
            {
                Authorization.BuildAcl.Parse([new(entry.Key, entry.Value)]);
            }
            catch (FormatException ex)
            {
                throw acl.Error(entry, ex.Message);
            }
        }
        try
        {
            return Authorization.BuildAcl.Parse(section.Entries.Select(e => new KeyValuePair<string, string>(e.Key, e.Value)));
        }
        catch (FormatException ex)
        {
            throw new ConfigException(ini.Source, section.Line, $"[{AclSection}]: {ex.Message}");
        }
    }

    private static ControllerOptions ReadController(ConfigSection controller, string configDir)
    {
        var defaults = new ControllerOptions();
        return new ControllerOptions
        {
            Http = ReadHttpService(controller, configDir, defaults.Http),
            MaxSrpmBytes = controller.Megabytes("max_srpm_mb", 1, 1024L * 1024) ?? defaults.MaxSrpmBytes,
        };
    }

    private static BstoreOptions ReadBstore(ConfigSection bstore, string configDir)
    {
        var defaults = new BstoreOptions();
        return new BstoreOptions
        {
            Http = ReadHttpService(bstore, configDir, defaults.Http),
            Listing = bstore.Bool("listing") ?? defaults.Listing,
            UploadRetryLimit = bstore.Duration("upload_retry_limit", TimeSpan.FromSeconds(1), LongestDuration) ?? defaults.UploadRetryLimit,
        };
    }

    private static WebOptions ReadWeb(ConfigSection web, string configDir)
    {
        var defaults = new WebOptions();
        var http = ReadHttpService(web, configDir, defaults.Http, freePortAllowed: true);
        return new WebOptions
        {
            Enabled = web.Bool("enabled") ?? defaults.Enabled,
            // Unless told, the URL follows the port (0 picks a free port, named when the service starts).
            Http = web.Text("url") is null && http.Port is not 0 and not WebOptions.DefaultPort ? http with { Url = $"http://localhost:{http.Port}/" } : http,
            ReadTokens = web.Path("read_tokens", configDir),
            BuildersSeenWithin = web.Duration("builders_seen_within", TimeSpan.FromMinutes(1), LongestDuration) ?? defaults.BuildersSeenWithin,
        };
    }

    // The keys [controller] and [bstore] share; files named relative to the config file, as certificates are.
    // [web] also takes port 0 (a free port, printed at start): it serves people, who are told where it is.
    private static HttpServiceOptions ReadHttpService(ConfigSection section, string configDir, HttpServiceOptions defaults, bool freePortAllowed = false) => new()
    {
        Url = section.Checked("url", CheckHttpUrl) ?? defaults.Url,
        Listen = section.Checked("listen", CheckListenAddress) ?? defaults.Listen,
        Port = (freePortAllowed ? section.Int("port", 0, 65535) : section.Port("port")) ?? defaults.Port,
        Https = section.Bool("https") ?? defaults.Https,
        ClientCerts = section.Bool("client_certs") ?? defaults.ClientCerts,
        Tokens = section.Path("tokens", configDir),
        TokenFile = section.Path("token_file", configDir),
        Writers = ReadWriters(section),
    };

    // Names as the authenticator gives them: a certificate's CN or a token's name (which may hold blanks).
    private static string[]? ReadWriters(ConfigSection section)
    {
        if (section.Raw?.Entry("writers") is not { } entry)
        {
            return null;
        }
        var names = entry.Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return names.Length > 0 ? names : throw section.Error(entry, "is empty (list the names that may write, separated by commas, or leave the key out)");
    }

    private static TlsOptions ReadTls(ConfigSection tls, string configDir) => new()
    {
        CaCert = tls.Path("ca_cert", configDir),
        ServerCert = tls.Path("server_cert", configDir),
        ServerKey = tls.Path("server_key", configDir),
        ClientCert = tls.Path("client_cert", configDir),
        ClientKey = tls.Path("client_key", configDir),
    };

    private static string? CheckListenAddress(string value) =>
        value == "*" || System.Net.IPAddress.TryParse(value, out _) ? null : $"'{value}' is not an IP address or *";

    private static string? CheckHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? null
            : $"'{value}' is not an http:// or https:// URL";

    private static string? CheckAddress(string value)
    {
        var at = value.IndexOf('@', StringComparison.Ordinal);
        var plausible = at > 0 && at < value.Length - 1 && value.IndexOf('@', at + 1) < 0
            && !value.Any(c => char.IsWhiteSpace(c) || c is '<' or '>' or ',' or ';' or '"' or '(' or ')' or '[' or ']' or '\\');
        return plausible ? null : $"'{value}' is not a mail address (user@domain)";
    }

    private static string? CheckTopic(string value) =>
        value.Length == 0 ? "is empty"
        : value.AsSpan().ContainsAny('+', '#') ? $"'{value}' contains an MQTT wildcard ('+' or '#')"
        : value.Any(char.IsWhiteSpace) ? $"'{value}' contains a blank"
        : null;

    // What uname -m says on a builder, or a requested arch; anything else is a typo that would watch an empty tube.
    private static string? CheckBuilderArch(string value)
    {
        var known = Arches.BuildTubeByArch.Keys.Concat(Arches.BuildTubeByArch.Values).Append("i586").Distinct().Order(StringComparer.Ordinal).ToArray();
        return known.Contains(value, StringComparer.Ordinal) ? null : $"'{value}' is not a known arch (use {string.Join(", ", known)})";
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.BuildRequests;
using Reimzul.Config;
using Reimzul.GitToSrpm;
using Reimzul.Messages;
using Reimzul.Mqtt;
using Reimzul.Validation;

namespace Reimzul.Cli.Commands;

/// <summary>
/// <c>reimzul client</c>: ask for a build of a package's git branch and ref over MQTT, proven by this user's TLS
/// client certificate (the original's flags, and <c>~/.reimzul.ini</c>). With <c>--wait</c>, follows the outcome.
/// </summary>
public static class ClientCommand
{
    private static readonly Option<string> Package = new("--package", "-p") { Description = "Package (its git repo is GIT_URL/r/rpms/PACKAGE.git)", Required = true };
    private static readonly Option<string> Branch = new("--branch", "-b") { Description = "Git branch, e.g. c7", Required = true };
    private static readonly Option<string> Ref = new("--ref", "-r") { Description = "Commit, tag or HEAD on that branch", DefaultValueFactory = _ => GitSource.DefaultRef };
    private static readonly Option<string> Arch = new("--arch", "-a") { Description = "Arch to build for: " + string.Join(", ", Arches.BuildTubeByArch.Keys), Required = true };
    private static readonly Option<string> Target = new("--target", "-t") { Description = "Target repo without the arch, e.g. c7.1708.u", Required = true };
    private static readonly Option<string> Disttag = new("--disttag", "-d") { Description = "Value of %dist, e.g. .el7_4; worked out from the newest \"import\" commit when left out", DefaultValueFactory = _ => "" };
    private static readonly Option<string> SourcesDir = new("--sourcesdir", "-s") { Description = "Lookaside dir of the sources when it is not the branch", DefaultValueFactory = _ => "" };
    private static readonly Option<bool> Scratch = new("--scratch") { Description = "Build and publish, but do not stage the RPMs for signing" };
    private static readonly Option<bool> Wait = new("--wait") { Description = "Follow the request: accepted or refused (and why), then each arch's Building/Success/Failed; exit 0 only when every build succeeded" };

    /// <summary>The client's configuration when no --config is given, as the original's.</summary>
    public static string DefaultConfigPath => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".reimzul.ini");

    public static Command Create(CommonOptions common)
    {
        var command = new Command("client", "Request a build of a package's git branch and ref over MQTT with this user's TLS client certificate ([mqtt] in ~/.reimzul.ini).")
        {
            Package, Branch, Ref, Arch, Target, Disttag, SourcesDir, Scratch, Wait,
        };
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var configPath = parseResult.GetValue(common.Config) ?? DefaultConfigPath;
            ReimzulConfig config;
            try
            {
                config = ConfigLoader.Load(configPath, parseResult.GetValue(common.DataDir));
            }
            catch (ConfigException ex)
            {
                throw new CliException($"configuration error: {ex.Message}", ExitCodes.Config);
            }
            var source = new GitSource(parseResult.GetRequiredValue(Package), parseResult.GetRequiredValue(Branch), parseResult.GetRequiredValue(Ref),
                parseResult.GetRequiredValue(Disttag), parseResult.GetRequiredValue(SourcesDir));
            var arch = parseResult.GetRequiredValue(Arch);
            var target = parseResult.GetRequiredValue(Target);
            if (source.Problem() is { } problem)
            {
                throw new CliException(problem);
            }
            if (!Arches.TryValidate(arch, out var error) || !InputRules.TryValidateTarget(target, out error))
            {
                throw new CliException(error);
            }
            return await RequestAsync(config, source, arch, target, parseResult.GetValue(Scratch), parseResult.GetValue(Wait), cancellationToken);
        }));
        return command;
    }

    private static async Task<int> RequestAsync(ReimzulConfig config, GitSource source, string arch, string target, bool scratch, bool wait, CancellationToken ct)
    {
        var mqtt = config.Mqtt;
        var configSource = config.SourceFile ?? "(no config file)";
        var commonName = mqtt.TlsCert is { } cert ? CertificateNames.TryReadCommonName(cert) : null;
        if (commonName is null)
        {
            throw new CliException($"configuration error: {configSource}: [mqtt] tls_cert must name your client certificate (its CN is who you are to the build system)", ExitCodes.Config);
        }
        var requestId = BuildIds.New();
        var topic = $"{mqtt.Topic.TrimEnd('/')}/{arch}/{commonName}";
        // [mqtt] topic is e.g. reimzul/submit; the answers come on reimzul/builds/results.
        var master = mqtt.Topic.EndsWith("/submit", StringComparison.Ordinal) ? mqtt.Topic[..^"/submit".Length] : mqtt.Topic;
        var results = RequestTopic.ResultsTopic(master);
        var request = new BuildRequestMessage
        {
            Pkg = source.Package,
            GitBranch = source.Branch,
            GitRef = source.Ref,
            Arch = arch,
            Submitter = commonName,
            Target = target,
            Disttag = source.Disttag,
            SourcesDir = source.SourcesDir.Length > 0 ? source.SourcesDir : null,
            Scratch = scratch,
            RequestId = requestId,
        };

        if (mqtt.CaCert is { } ca)
        {
            ProcessTrust.OnlyThisCa(ca);
        }
        await using var connection = new MqttSubscription(mqtt, $"reimzul-client-{requestId[..12]}", persistent: false, NullLogger.Instance, configSource);
        try
        {
            // Subscribed before the request goes out, so no answer can be missed.
            await connection.ConnectAsync(results, ct);
            await connection.PublishAsync(topic, JsonSerializer.SerializeToUtf8Bytes(request, BuildRequestJsonContext.Default.BuildRequestMessage), ct);
        }
        catch (MqttUnavailableException ex)
        {
            throw new CliException(ex.Message, ExitCodes.Failure);
        }
        Console.WriteLine($"request id {requestId}: {source.Package} {source.Branch} {source.Ref} for {target} {arch} published on {topic}");
        return wait ? await FollowAsync(connection, requestId, arch, ct) : ExitCodes.Ok;
    }

    private static async Task<int> FollowAsync(MqttSubscription connection, string requestId, string arch, CancellationToken ct)
    {
        var expected = new List<string> { arch };
        var ended = new Dictionary<string, string>(StringComparer.Ordinal);
        var accepted = false;
        while (true)
        {
            MqttMessage message;
            try
            {
                message = await connection.ReceiveAsync(ct);
            }
            catch (OperationCanceledException)
            {
                await Console.Error.WriteLineAsync($"reimzul: stopped waiting; request {requestId} goes on");
                return ExitCodes.Failure;
            }
            BuildResultEvent? e;
            try
            {
                e = JsonSerializer.Deserialize(message.Payload, BuildRequestJsonContext.Default.BuildResultEvent);
            }
            catch (JsonException)
            {
                continue;
            }
            if (e is null)
            {
                continue;
            }
            if (e.RequestId == requestId)
            {
                if (e.Status == RequestOutcome.Refused)
                {
                    Console.WriteLine($"refused: {e.Reason}");
                    return ExitCodes.BadInput;
                }
                if (!accepted)
                {
                    accepted = true;
                    expected = [.. e.Arches ?? [arch]];
                    Console.WriteLine($"accepted: {e.Srpm} queued for {e.Target} (builds: {string.Join(", ", expected)})");
                }
                continue;
            }
            if (e.BuildId != requestId || e.Arch is null)
            {
                continue;
            }
            Console.WriteLine($"{e.Arch}: {e.Status}{(e.Reason is { Length: > 0 } reason ? $" ({reason})" : "")}{(e.LogUrl is { } url ? $" {url}" : "")}");
            if (e.Status is BuildStatus.Success or BuildStatus.Failed)
            {
                ended[e.Arch] = e.Status;
                if (!expected.Contains(e.Arch))
                {
                    expected.Add(e.Arch);
                }
            }
            var failed = ended.ContainsValue(BuildStatus.Failed);
            // A failed build ends its job's chain; otherwise every planned arch reports.
            if (failed || expected.All(ended.ContainsKey))
            {
                return failed ? ExitCodes.Failure : ExitCodes.Ok;
            }
        }
    }
}

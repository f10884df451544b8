using System.CommandLine;
using System.Security.Cryptography;
using Reimzul.Config;
using Reimzul.Messages;
using Reimzul.Protocol;
using Reimzul.ResultStores;
using Reimzul.Rpm;
using Reimzul.Submit;
using Reimzul.Validation;

namespace Reimzul.Cli.Commands;

/// <summary><c>reimzul submit</c>: queue a build of one SRPM for one arch and target (the original's flags).</summary>
public static class SubmitCommand
{
    private static readonly Option<string> Srpm = new("--srpm", "-s") { Description = "The SRPM: a name already in the incoming dir, or a path to a local file (copied there)", Required = true, HelpName = "SRPM" };
    private static readonly Option<string> Arch = new("--arch", "-a") { Description = "Arch to build for: " + string.Join(", ", Arches.BuildTubeByArch.Keys), Required = true };
    private static readonly Option<string> Target = new("--target", "-t") { Description = "Target repo without the arch, e.g. c7.1708.u", Required = true };
    private static readonly Option<string> Disttag = new("--disttag", "-d") { Description = "Value of %dist, e.g. .el7_4", Required = true };
    private static readonly Option<bool> Now = new("--now") { Description = "Put the job ahead of the queued ones" };
    private static readonly Option<bool> Scratch = new("--scratch") { Description = "Build and publish, but do not stage the RPMs for signing" };

    public static Command Create(CommonOptions common)
    {
        var (srpm, arch, target, disttag, now, scratch) = (Srpm, Arch, Target, Disttag, Now, Scratch);
        var command = new Command("submit", "Queue a build of an SRPM for one arch and target (through the controller when [queue] backend = beanstalkd).")
        {
            srpm, arch, target, disttag, now, scratch,
        };
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var config = common.Load(parseResult);
            if (Composition.IsDistributed(config))
            {
                return await SubmitThroughControllerAsync(config, parseResult, cancellationToken);
            }
            var job = await PrepareAsync(
                config,
                parseResult.GetRequiredValue(srpm),
                parseResult.GetRequiredValue(arch),
                parseResult.GetRequiredValue(target),
                parseResult.GetRequiredValue(disttag),
                parseResult.GetValue(scratch),
                cancellationToken);
            var tube = Arches.BuildTubeByArch[job.Arch];
            var priority = Tubes.BuildPriority(parseResult.GetValue(now));

            await using var queue = await Composition.CreateQueueFactory(config).OpenProducerAsync(cancellationToken);
            var id = await queue.PutAsync(tube, MessageJson.Serialize(job), priority, TimeSpan.Zero, config.Builder.JobTtr, cancellationToken);
            Console.WriteLine($"Submitted SRPM {job.Srpm} to build queue {tube} for target {job.Target} (scratch: {(job.Scratch ? "True" : "False")}) by {job.Submitter}");
            Console.WriteLine($"job id {id}, build id {job.BuildId}, priority {priority}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Many machines: the controller takes the upload and the submit, and records who sent it.</summary>
    private static async Task<int> SubmitThroughControllerAsync(ReimzulConfig config, ParseResult parseResult, CancellationToken cancellationToken)
    {
        using var controller = ControllerClient.Create(config);
        SubmitResult result;
        try
        {
            result = await controller.SubmitAsync(
                parseResult.GetRequiredValue(Srpm), parseResult.GetRequiredValue(Arch), parseResult.GetRequiredValue(Target), parseResult.GetRequiredValue(Disttag),
                parseResult.GetValue(Scratch), parseResult.GetValue(Now), cancellationToken);
        }
        catch (RemoteServiceException ex)
        {
            throw new CliException(ex.Message);
        }
        catch (HttpRequestException ex)
        {
            throw new CliException($"controller {controller.BaseAddress} cannot be reached: {ex.Message}", ExitCodes.Failure);
        }
        Console.WriteLine($"Submitted SRPM {result.Srpm} to build queue {result.Tube} for target {result.Target} (scratch: {(result.Scratch ? "True" : "False")}) by {result.Submitter}");
        Console.WriteLine($"job id {result.JobId}, build id {result.BuildId}, priority {result.Priority}");
        return ExitCodes.Ok;
    }

    /// <summary>Checks every input and places the SRPM in the incoming dir; returns the job to queue.</summary>
    internal static async Task<BuildJob> PrepareAsync(ReimzulConfig config, string srpm, string arch, string target, string disttag, bool scratch, CancellationToken cancellationToken)
    {
        Check(Arches.TryValidate(arch, out var error), error);
        Check(InputRules.TryValidateTarget(target, out error), error);
        Check(InputRules.TryValidateDisttag(disttag, out error), error);

        var name = await PlaceInIncomingAsync(config.Paths.Incoming, srpm, cancellationToken);
        return BuildJob.Submitted(name, arch, target, disttag, scratch, Environment.UserName);
    }

    private static async Task<string> PlaceInIncomingAsync(string incoming, string srpm, CancellationToken cancellationToken)
    {
        var isLocalFile = srpm.Contains('/', StringComparison.Ordinal) || File.Exists(srpm);
        var name = isLocalFile ? Path.GetFileName(srpm) : srpm;
        Check(InputRules.TryValidateSrpmFileName(name, out var error), error);
        var inIncoming = Path.Combine(incoming, name);

        if (!isLocalFile)
        {
            Check(File.Exists(inIncoming), $"SRPM '{name}' is not in the incoming dir {incoming} (give a path, e.g. ./{name}, to upload a local file)");
            ReadSource(inIncoming, name);
            return name;
        }

        Check(File.Exists(srpm), $"SRPM file '{srpm}' does not exist");
        ReadSource(srpm, srpm);
        Directory.CreateDirectory(incoming);
        if (!File.Exists(inIncoming))
        {
            var temporary = Path.Combine(incoming, $".{name}.{Environment.ProcessId}.tmp");
            try
            {
                File.Copy(srpm, temporary, overwrite: true);
                if (IncomingSrpms.TryPlace(temporary, inIncoming))
                {
                    return name;
                }
            }
            finally
            {
                File.Delete(temporary);
            }
        }
        // One of that name is there already (or was placed at the same moment): fine if it is this one.
        Check(await SameContentAsync(srpm, inIncoming, cancellationToken), IncomingSrpms.ConflictMessage(name, inIncoming));
        return name;
    }

    private static void ReadSource(string path, string shownAs)
    {
        try
        {
            RpmHeaderReader.ReadSource(path);
        }
        catch (RpmFormatException ex)
        {
            throw new CliException($"'{shownAs}' is not a usable source RPM: {ex.Message}");
        }
    }

    private static async Task<bool> SameContentAsync(string a, string b, CancellationToken cancellationToken)
    {
        if (new FileInfo(a).Length != new FileInfo(b).Length)
        {
            return false;
        }
        var first = await HashAsync(a, cancellationToken);
        var second = await HashAsync(b, cancellationToken);
        return first.AsSpan().SequenceEqual(second);
    }

    private static async Task<byte[]> HashAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(path);
        return await SHA256.HashDataAsync(stream, cancellationToken);
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new CliException(message);
        }
    }
}

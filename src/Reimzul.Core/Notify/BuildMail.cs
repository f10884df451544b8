using System.Text;
using Reimzul.Messages;

namespace Reimzul.Notify;

/// <summary>The mail of one finished build: the original's subject word for word, a body with the facts and the log tails.</summary>
public static class BuildMail
{
    public const int RootLogLines = 30;
    public const int BuildLogLines = 80;

    public static string Subject(BuildEvent e) =>
        $"[reimzul] Build task {OneLine(e.Timestamp)} {OneLine(e.Srpm)} (arch: {OneLine(e.Arch)}) target {OneLine(e.Target)} : {OneLine(e.Status)}";

    public static async Task<string> BodyAsync(BuildEvent e, BuildLogs logs, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(logs);
        var url = logs.UrlOf(e);
        var body = new StringBuilder()
            .Append("Builder   : ").Append(OneLine(e.BuilderFqdn)).Append('\n')
            .Append("Package   : ").Append(OneLine(e.PkgName)).Append(' ').Append(OneLine(e.Evr)).Append(" (").Append(OneLine(e.Srpm)).Append(")\n")
            .Append("Target    : ").Append(OneLine(e.Target)).Append('\n')
            .Append("Arch      : ").Append(OneLine(e.Arch)).Append('\n')
            .Append("Timestamp : ").Append(OneLine(e.Timestamp)).Append('\n')
            .Append("Submitter : ").Append(OneLine(e.Submitter ?? "None")).Append('\n')
            .Append("Status    : ").Append(OneLine(e.Status)).Append('\n');
        if (!string.IsNullOrEmpty(e.Reason))
        {
            body.Append("Reason    : ").Append(OneLine(e.Reason)).Append('\n');
        }
        if (!string.IsNullOrEmpty(e.BuildId))
        {
            body.Append("Build id  : ").Append(OneLine(e.BuildId)).Append('\n');
        }
        body.Append("Logs      : ").Append(url).Append('\n')
            .Append('\n').Append($"== root.log (last {RootLogLines} lines) ==\n")
            .Append(await logs.TailAsync(e, "root.log", RootLogLines, ct))
            .Append('\n').Append($"== build.log (last {BuildLogLines} lines) ==\n")
            .Append(await logs.TailAsync(e, "build.log", BuildLogLines, ct));
        return body.ToString();
    }

    // A field is one line of bounded length: a line break in an event must not forge a header or a body line.
    private static string OneLine(string value)
    {
        var text = value.Length > 300 ? value[..300] + "…" : value;
        return text.Any(char.IsControl) ? new string([.. text.Select(c => char.IsControl(c) ? '?' : c)]) : text;
    }
}

using System.Globalization;
using System.Text;
using Reimzul.Messages;

namespace Reimzul.Notify;

/// <summary>The original notifier's log line, word for word, so existing log readers keep working.</summary>
internal static class LogLine
{
    private static readonly string[] DayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    private static readonly string[] MonthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    // The original ended its lines with " \r\n"; a plain "\n" reads the same and greps cleaner.
    public static string Format(BuildEvent e, DateTime localTime) =>
        $"[{AscTime(localTime)}] Build job SRPM {Clean(e.Srpm)} ({Clean(e.Timestamp)}) for arch {Clean(e.Arch)} " +
        $"builder {Clean(e.BuilderFqdn)} status {Clean(e.Status)} [{Clean(e.Evr)}] " +
        $"(Scratch job: {(e.Scratch ? "True" : "False")}) submitted by {Clean(e.Submitter ?? "None")}\n";

    /// <summary>Python's <c>time.asctime()</c>: <c>Thu Nov  5 16:46:02 2026</c>, English names, day padded with a space.</summary>
    public static string AscTime(DateTime t) => string.Create(CultureInfo.InvariantCulture,
        $"{DayNames[(int)t.DayOfWeek]} {MonthNames[t.Month - 1]} {t.Day,2} {t.Hour:D2}:{t.Minute:D2}:{t.Second:D2} {t.Year}");

    // One event, one line: a field holding a line break must not forge a second entry.
    private static string Clean(string value)
    {
        if (!value.Any(char.IsControl))
        {
            return value;
        }
        var builder = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            builder.Append(char.IsControl(c) ? '?' : c);
        }
        return builder.ToString();
    }
}

using System.Text;

namespace Reimzul.Queue;

/// <summary>What both queue backends accept: beanstalkd's rules, so a job one backend takes the other takes too.</summary>
internal static class JobLimits
{
    public const int MaxBodyBytes = 1024 * 1024;

    public static readonly TimeSpan MinTtr = TimeSpan.FromSeconds(1);

    // beanstalkd counts priority, delay and TTR in uint32 (seconds for delay and TTR).
    public static readonly TimeSpan MaxSpan = TimeSpan.FromSeconds(uint.MaxValue);

    public static void CheckBody(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        // Cheap upper bound first: a UTF-8 encoding is never longer than 3 bytes per UTF-16 unit.
        if (body.Length * 3L <= MaxBodyBytes)
        {
            return;
        }
        var bytes = Encoding.UTF8.GetByteCount(body);
        if (bytes > MaxBodyBytes)
        {
            throw new ArgumentException(
                $"job body is {bytes} bytes of UTF-8; the embedded queue takes at most {MaxBodyBytes} bytes (1 MiB)", nameof(body));
        }
    }

    public static void CheckTube(string tube, string parameterName = "tube")
    {
        ArgumentNullException.ThrowIfNull(tube, parameterName);
        if (!TubeNames.TryValidate(tube, out var error))
        {
            throw new ArgumentException(error, parameterName);
        }
    }

    public static void CheckSpan(TimeSpan value, string parameterName)
    {
        if (value < TimeSpan.Zero || value > MaxSpan)
        {
            throw new ArgumentOutOfRangeException(parameterName, value, $"{parameterName} must be between 0 and {uint.MaxValue} seconds");
        }
    }

    /// <summary>Longest bury reason kept, in characters: enough for any message of ours, bounded against a flood of long ones.</summary>
    public const int MaxReasonLength = 2000;

    /// <summary>The reason as stored: at most <see cref="MaxReasonLength"/> characters.</summary>
    public static string BoundedReason(string? reason)
    {
        var text = string.IsNullOrWhiteSpace(reason) ? "no reason given" : reason;
        return text.Length <= MaxReasonLength ? text : text[..MaxReasonLength] + "…";
    }

    /// <summary>beanstalkd turns a TTR of 0 into 1 s; anything shorter than a second is treated the same way.</summary>
    public static TimeSpan EffectiveTtr(TimeSpan ttr) => ttr < MinTtr ? MinTtr : ttr;
}

using System.Text;

namespace Reimzul.Queue;

/// <summary>What the embedded queue accepts, kept close to beanstalkd's rules so both backends take the same input.</summary>
internal static class JobLimits
{
    public const int MaxBodyBytes = 1024 * 1024;
    public const int MaxTubeNameBytes = 200;

    public static readonly TimeSpan MinTtr = TimeSpan.FromSeconds(1);

    // beanstalkd counts priority, delay and TTR in uint32 (seconds for delay and TTR).
    public static readonly TimeSpan MaxSpan = TimeSpan.FromSeconds(uint.MaxValue);

    private const string TubeNamePunctuation = "-+/;.$_()";

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
        if (tube.Length == 0)
        {
            throw new ArgumentException("tube name is empty", parameterName);
        }
        if (tube.Length > MaxTubeNameBytes)
        {
            throw new ArgumentException($"tube name '{tube[..20]}…' is {tube.Length} characters; at most {MaxTubeNameBytes} are allowed", parameterName);
        }
        if (tube[0] == '-')
        {
            throw new ArgumentException($"tube name '{tube}' starts with '-', which beanstalkd refuses", parameterName);
        }
        foreach (var c in tube)
        {
            if (!char.IsAsciiLetterOrDigit(c) && !TubeNamePunctuation.Contains(c, StringComparison.Ordinal))
            {
                throw new ArgumentException(
                    $"tube name '{tube}' holds '{c}'; only ASCII letters, digits and {TubeNamePunctuation} are allowed", parameterName);
            }
        }
    }

    public static void CheckSpan(TimeSpan value, string parameterName)
    {
        if (value < TimeSpan.Zero || value > MaxSpan)
        {
            throw new ArgumentOutOfRangeException(parameterName, value, $"{parameterName} must be between 0 and {uint.MaxValue} seconds");
        }
    }

    /// <summary>beanstalkd turns a TTR of 0 into 1 s; anything shorter than a second is treated the same way.</summary>
    public static TimeSpan EffectiveTtr(TimeSpan ttr) => ttr < MinTtr ? MinTtr : ttr;
}

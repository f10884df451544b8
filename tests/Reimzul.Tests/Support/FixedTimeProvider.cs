namespace Reimzul.Tests.Support;

/// <summary>A clock that shows one chosen instant in one chosen time zone, until a test moves it.</summary>
public sealed class FixedTimeProvider(DateTimeOffset now, TimeZoneInfo localTimeZone) : TimeProvider
{
    public FixedTimeProvider(DateTimeOffset now)
        : this(now, TimeZoneInfo.Utc)
    {
    }

    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now.ToUniversalTime();

    public override TimeZoneInfo LocalTimeZone => localTimeZone;
}

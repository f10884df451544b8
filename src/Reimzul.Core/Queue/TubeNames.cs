namespace Reimzul.Queue;

/// <summary>beanstalkd's rule for tube names, which both backends apply.</summary>
public static class TubeNames
{
    public const int MaxLength = 200;

    private const string Punctuation = "-+/;.$_()";

    /// <summary>Why <paramref name="tube"/> is not a tube name beanstalkd takes, in <paramref name="error"/>.</summary>
    public static bool TryValidate(string? tube, out string error)
    {
        error = Problem(tube) ?? "";
        return error.Length == 0;
    }

    private static string? Problem(string? tube)
    {
        if (string.IsNullOrEmpty(tube))
        {
            return "tube name is empty";
        }
        if (tube.Length > MaxLength)
        {
            return $"tube name '{tube[..20]}…' is {tube.Length} characters; at most {MaxLength} are allowed";
        }
        if (tube[0] == '-')
        {
            return $"tube name '{tube}' starts with '-', which beanstalkd refuses";
        }
        foreach (var c in tube)
        {
            if (!char.IsAsciiLetterOrDigit(c) && !Punctuation.Contains(c, StringComparison.Ordinal))
            {
                return $"tube name '{tube}' holds '{c}'; only ASCII letters, digits and {Punctuation} are allowed";
            }
        }
        return null;
    }
}

using Reimzul.Validation;

namespace Reimzul.Build;

/// Checks on the parts of a request that reach rpm macros, file names or mock's Python config.
internal static class BuildRequestChecks
{
    /// The disttag reaches rpm as a macro body, literally (argv, no shell). rpm expands '%' in a body
    /// ("%(cmd)" runs cmd) and a line break would start another macro, so those are refused; anything
    /// else that does not belong in a release is rpm's to refuse, with its own message.
    public static string? DisttagProblem(string disttag)
    {
        ArgumentNullException.ThrowIfNull(disttag);
        if (disttag.Contains('%', StringComparison.Ordinal))
        {
            return $"disttag '{disttag}' contains '%', which rpm would expand as a macro";
        }
        return disttag.Any(char.IsControl) ? $"disttag '{disttag.ReplaceLineEndings(" ")}' contains a control character" : null;
    }

    /// A value used in a file name or config text: one path component of safe characters (<see cref="InputRules.TryValidatePathComponent"/>).
    public static string? NameProblem(string what, string value) =>
        InputRules.TryValidatePathComponent(what, value, out var error) ? null : error;

    /// The value of <c>--define</c> for %dist; an empty body is an rpm error, so an empty disttag becomes %{nil}.
    public static string DistDefine(string disttag) => "dist " + (disttag.Length == 0 ? "%{nil}" : disttag);
}

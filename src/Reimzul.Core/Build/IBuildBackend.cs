namespace Reimzul.Build;

/// <summary>Turns one SRPM into binary RPMs for one arch, writing everything into the request's result dir.</summary>
public interface IBuildBackend
{
    /// <summary><c>mock</c> or <c>rpmbuild</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Builds; never throws for a failed build (that is a <see cref="BuildOutcome"/> with a reason).
    /// On return the result dir holds the RPMs (on success), <c>stdout</c>, <c>stderr</c>,
    /// <c>build.log</c> and <c>root.log</c>. Cancellation kills the build and throws.
    /// </summary>
    Task<BuildOutcome> BuildAsync(BuildRequest request, CancellationToken cancellationToken);
}

using Microsoft.AspNetCore.Http;
using Reimzul.Web.Auth;

namespace Reimzul.Web.Api;

/// <summary>
/// Who may read: anyone, unless <c>[web] read_tokens</c> is set; then a token from that file, or whatever authenticates
/// a writer (a writer's token or client certificate).
/// </summary>
internal sealed class ReadAccess(WriterAuthenticator? readers, WriterAuthenticator writers)
{
    public bool TryAllow(HttpContext context, out IResult? refusal)
    {
        refusal = null;
        if (readers is null)
        {
            return true;
        }
        if (readers.TryAuthenticate(context, out _, out refusal))
        {
            return true;
        }
        return writers.TryAuthenticate(context, out _, out _);
    }
}

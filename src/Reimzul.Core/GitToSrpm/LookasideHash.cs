using System.Security.Cryptography;

namespace Reimzul.GitToSrpm;

/// <summary>The hash of a lookaside file, its algorithm told by its length (centos-git-common): 32 md5, 40 sha1, 64 sha256, 128 sha512.</summary>
public static class LookasideHash
{
    /// <summary>The sha1 of the empty file: centos-git-common creates an empty file instead of fetching it.</summary>
    public const string EmptyFileSha1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709";

    public static HashAlgorithmName? AlgorithmOf(string hash) =>
        !hash.All(char.IsAsciiHexDigit) ? null
        : hash.Length switch
        {
            32 => HashAlgorithmName.MD5,
            40 => HashAlgorithmName.SHA1,
            64 => HashAlgorithmName.SHA256,
            128 => HashAlgorithmName.SHA512,
            _ => null,
        };
}

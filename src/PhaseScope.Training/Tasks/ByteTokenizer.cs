using System.Text;

namespace PhaseScope.Training.Tasks;

/// <summary>
/// Byte-level tokenisation: a text's UTF-8 bytes are its tokens, so the vocabulary is the 256 byte values,
/// nothing is out of vocabulary and decoding is exact. The language model's loss is then in nats per byte
/// (÷ ln 2 for bits per byte, the unit a compression comparison uses).
/// </summary>
public static class ByteTokenizer
{
    /// <summary>Vocabulary size.</summary>
    public const int VocabularySize = 256;

    /// <summary>The text's tokens.</summary>
    public static byte[] Encode(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Text from tokens (invalid UTF-8 becomes U+FFFD).</summary>
    public static string Decode(ReadOnlySpan<byte> tokens) => Encoding.UTF8.GetString(tokens);
}

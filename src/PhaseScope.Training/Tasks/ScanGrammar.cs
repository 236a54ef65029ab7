namespace PhaseScope.Training.Tasks;

/// <summary>One SCAN example: a command and its action sequence (space-separated tokens).</summary>
public sealed record ScanExample(string Command, string Actions)
{
    /// <summary>Number of actions.</summary>
    public int ActionCount => Actions.Length == 0 ? 0 : Actions.Count(c => c == ' ') + 1;
}

/// <summary>
/// SCAN (Lake &amp; Baroni 2018), generated from its grammar, as seed 001's third grokking task (docs/SETUPS.md):
/// <code>
/// C → S and S | S after S | S
/// S → V twice | V thrice | V
/// V → U | U D | U opposite D | U around D | turn D | turn opposite D | turn around D
/// D → left | right        U → walk | look | run | jump
/// </code>
/// with ⟦x D⟧ = TURN_D ⟦x⟧, ⟦x opposite D⟧ = TURN_D TURN_D ⟦x⟧, ⟦x around D⟧ = (TURN_D ⟦x⟧)⁴ (⟦turn⟧ is empty),
/// ⟦S twice⟧ = ⟦S⟧², ⟦S thrice⟧ = ⟦S⟧³, ⟦S₁ and S₂⟧ = ⟦S₁⟧⟦S₂⟧, ⟦S₁ after S₂⟧ = ⟦S₂⟧⟦S₁⟧.
/// 34 verb phrases, 102 sentences, 102 + 2·102² = 20,910 commands: the official <c>tasks.txt</c>.
/// </summary>
public static class ScanGrammar
{
    static readonly string[] Primitives = ["walk", "look", "run", "jump"];
    static readonly string[] Directions = ["left", "right"];

    static string Action(string primitive) => "I_" + primitive.ToUpperInvariant();
    static string Turn(string direction) => "I_TURN_" + direction.ToUpperInvariant();

    /// <summary>The 34 verb phrases V with their meanings (token lists).</summary>
    public static IReadOnlyList<(string Text, string[] Meaning)> VerbPhrases()
    {
        var list = new List<(string, string[])>();
        foreach (var u in Primitives.Append("turn"))
        {
            string[] x = u == "turn" ? [] : [Action(u)];
            if (u != "turn") list.Add((u, x));
            foreach (var d in Directions)
            {
                var t = Turn(d);
                list.Add(($"{u} {d}", [t, .. x]));
                list.Add(($"{u} opposite {d}", [t, t, .. x]));
                list.Add(($"{u} around {d}", [.. Enumerable.Repeat<string[]>([t, .. x], 4).SelectMany(a => a)]));
            }
        }
        return list;
    }

    /// <summary>The 102 sentences S (V, V twice, V thrice).</summary>
    public static IReadOnlyList<(string Text, string[] Meaning)> Sentences() =>
        VerbPhrases().SelectMany(v => new[]
        {
            (v.Text, v.Meaning),
            ($"{v.Text} twice", [.. v.Meaning, .. v.Meaning]),
            ($"{v.Text} thrice", [.. v.Meaning, .. v.Meaning, .. v.Meaning]),
        }).ToList();

    /// <summary>All 20,910 commands, in a fixed order (single sentences, then S and S, then S after S).</summary>
    public static IReadOnlyList<ScanExample> All()
    {
        var s = Sentences();
        var all = new List<ScanExample>(s.Count + 2 * s.Count * s.Count);
        foreach (var a in s) all.Add(new ScanExample(a.Text, string.Join(' ', a.Meaning)));
        foreach (var a in s)
            foreach (var b in s) all.Add(new ScanExample($"{a.Text} and {b.Text}", string.Join(' ', a.Meaning.Concat(b.Meaning))));
        foreach (var a in s)
            foreach (var b in s) all.Add(new ScanExample($"{a.Text} after {b.Text}", string.Join(' ', b.Meaning.Concat(a.Meaning))));
        return all;
    }
}

/// <summary>A SCAN train/test split.</summary>
public sealed record ScanSplit(string Name, IReadOnlyList<ScanExample> Train, IReadOnlyList<ScanExample> Test);

/// <summary>
/// The three SCAN splits PhaseScope uses, built from <see cref="ScanGrammar.All"/>:
/// <list type="bullet">
/// <item><b>simple</b>: a random 80/20 split (16,728 / 4,182 as in the official files; the official draw itself is not
/// reproducible, so ours is seeded);</item>
/// <item><b>length</b>: train on commands whose action sequence has at most 22 actions, test on the rest (24–48 actions;
/// no command has 23): exactly the official 16,990 / 3,920;</item>
/// <item><b>addprim_jump</b>: train on every command without "jump" plus the primitive "jump" itself, repeated
/// <see cref="JumpCopies"/> times as in the official file (14,670 lines), test on every other command with "jump" (7,706).</item>
/// </list>
/// </summary>
public static class ScanSplits
{
    /// <summary>Copies of "jump" in the official add-primitive training file.</summary>
    public const int JumpCopies = 1467;
    /// <summary>Training commands of the official simple split.</summary>
    public const int SimpleTrainCount = 16728;

    /// <summary>The split named <paramref name="name"/> (simple, length, addprim_jump).</summary>
    public static ScanSplit Named(string name, int seed = 42) => name switch
    {
        "simple" => Simple(seed),
        "length" => Length(),
        "addprim_jump" => AddPrimitiveJump(),
        _ => throw new TaskConfigurationException($"Unknown SCAN split '{name}'; use simple, length or addprim_jump."),
    };

    /// <summary>A seeded random 80/20 split with the official sizes.</summary>
    public static ScanSplit Simple(int seed)
    {
        var all = ScanGrammar.All().ToArray();
        new Random(seed).Shuffle(all);
        return new ScanSplit("simple", all[..SimpleTrainCount], all[SimpleTrainCount..]);
    }

    /// <summary>At most 22 actions for training, the rest for testing.</summary>
    public static ScanSplit Length()
    {
        var all = ScanGrammar.All();
        return new ScanSplit("length", all.Where(e => e.ActionCount <= 22).ToList(), all.Where(e => e.ActionCount > 22).ToList());
    }

    /// <summary>Everything without "jump", plus "jump" alone <see cref="JumpCopies"/> times; the test holds the other "jump" commands.</summary>
    public static ScanSplit AddPrimitiveJump()
    {
        var all = ScanGrammar.All();
        static bool HasJump(ScanExample e) => e.Command.Split(' ').Contains("jump");
        var train = all.Where(e => !HasJump(e)).Concat(Enumerable.Repeat(new ScanExample("jump", "I_JUMP"), JumpCopies)).ToList();
        return new ScanSplit("addprim_jump", train, all.Where(e => HasJump(e) && e.Command != "jump").ToList());
    }

    /// <summary>Reads a file in the official format (<c>IN: command OUT: actions</c> per line).</summary>
    /// <exception cref="TaskConfigurationException">A line is not in that format; the message names the line.</exception>
    public static IReadOnlyList<ScanExample> ReadFile(string path)
    {
        var list = new List<ScanExample>();
        int number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (line.Length == 0) continue;
            int outAt = line.IndexOf(" OUT: ", StringComparison.Ordinal);
            if (!line.StartsWith("IN: ", StringComparison.Ordinal) || outAt < 0)
                throw new TaskConfigurationException($"{path}:{number}: expected 'IN: <command> OUT: <actions>', got '{(line.Length > 60 ? line[..60] + "…" : line)}'.");
            list.Add(new ScanExample(line[4..outAt], line[(outAt + 6)..].Trim()));
        }
        return list;
    }
}

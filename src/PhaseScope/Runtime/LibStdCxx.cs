using System.Runtime.InteropServices;

namespace PhaseScope.Runtime;

/// <summary>Finds the libstdc++ the dynamic loader gives this process, by asking the loader itself.</summary>
internal static partial class LibStdCxx
{
    const int RtldNow = 2;
    const int RtldDiLinkmap = 2;

    [LibraryImport("libc", EntryPoint = "dlopen", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr DlOpen(string file, int mode);

    [LibraryImport("libc", EntryPoint = "dlinfo")]
    private static partial int DlInfo(IntPtr handle, int request, out IntPtr info);

    /// <summary>
    /// The path of the <c>libstdc++.so.6</c> that <c>dlopen</c> resolves (the one a native library
    /// needing it would bind to), or null when none can be loaded.
    /// </summary>
    public static string? ResolvedPath()
    {
        var handle = DlOpen("libstdc++.so.6", RtldNow);
        if (handle == IntPtr.Zero) return null;
        // struct link_map { ElfW(Addr) l_addr; char *l_name; ... }
        if (DlInfo(handle, RtldDiLinkmap, out var linkMap) != 0 || linkMap == IntPtr.Zero) return null;
        var name = Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(linkMap, IntPtr.Size));
        return string.IsNullOrEmpty(name) ? null : name;
    }
}

// Build tooling, not product code. LibTorchSharpPatch.targets beside this file compiles it into an
// MSBuild inline task that runs after build and publish; Training.Tests compiles it in (with
// GLIBCXX_PATCH_NO_TASK, so without the MSBuild task) to test the patch itself.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace ColorVariants.Build
{
    /// <summary>
    /// TorchSharp 0.107.0's libLibTorchSharp.so asks for GLIBCXX_3.4.32 (GCC 13's libstdc++), which
    /// Debian 12 lacks (it has up to 3.4.30), and TorchSharp then fails with a misleading message.
    /// The only symbol behind that version is std::ios_base_library_init(), which no relocation
    /// uses, so marking the version need weak (VER_FLG_WEAK in .gnu.version_r) lets the dynamic
    /// loader accept its absence and the library load and work.
    /// </summary>
    public static class GlibcxxVersionPatch
    {
        public const string MissingVersion = "GLIBCXX_3.4.32";
        public const string LibraryFileName = "libLibTorchSharp.so";
        private const uint ShtGnuVerdef = 0x6ffffffd;
        private const uint ShtGnuVerneed = 0x6ffffffe;
        private const byte VerFlgWeak = 0x2;

        public enum Outcome { Patched, AlreadyWeak, NotNeeded }

        /// <summary>The version names a shared library defines (.gnu.version_d), e.g. the system libstdc++'s.</summary>
        public static ISet<string> DefinedVersions(byte[] elf)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var section in Sections(elf, ShtGnuVerdef))
            {
                var entry = (int)section.Offset;
                for (var i = 0; i < section.Info; i++)
                {
                    var auxOffset = U32(elf, entry + 12);
                    var next = U32(elf, entry + 16);
                    var nameOffset = U32(elf, entry + (int)auxOffset);
                    names.Add(ReadString(elf, section.StringTableOffset + nameOffset));
                    if (next == 0) break;
                    entry += (int)next;
                }
            }
            return names;
        }

        /// <summary>Marks every need of <paramref name="version"/> weak, in place in <paramref name="elf"/>.</summary>
        public static Outcome MarkVersionNeedWeak(byte[] elf, string version = MissingVersion)
        {
            var found = false;
            var changed = false;
            foreach (var section in Sections(elf, ShtGnuVerneed))
            {
                var need = (int)section.Offset;
                for (var i = 0; i < section.Info; i++)
                {
                    var count = U16(elf, need + 2);
                    var aux = need + (int)U32(elf, need + 8);
                    for (var j = 0; j < count; j++)
                    {
                        var flags = U16(elf, aux + 4);
                        var name = U32(elf, aux + 8);
                        if (ReadString(elf, section.StringTableOffset + name) == version)
                        {
                            found = true;
                            if ((flags & VerFlgWeak) == 0)
                            {
                                elf[aux + 4] |= VerFlgWeak; // vna_flags is little-endian; the flag is in its low byte
                                changed = true;
                            }
                        }
                        aux += (int)U32(elf, aux + 12);
                    }
                    var next = U32(elf, need + 12);
                    if (next == 0) break;
                    need += (int)next;
                }
            }
            return changed ? Outcome.Patched : found ? Outcome.AlreadyWeak : Outcome.NotNeeded;
        }

        /// <summary>Patches the file in place when its need is not weak yet; writes through a temporary file.</summary>
        public static Outcome PatchFile(string path)
        {
            var bytes = File.ReadAllBytes(path);
            var outcome = MarkVersionNeedWeak(bytes);
            if (outcome == Outcome.Patched) File.WriteAllBytes(path, bytes);
            return outcome;
        }

        /// <summary>The system libstdc++ on Debian/Ubuntu x86-64, or null where it is elsewhere.</summary>
        public static string? FindSystemLibStdCxx()
        {
            foreach (var candidate in new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6" })
                if (File.Exists(candidate)) return candidate;
            return null;
        }

        private readonly struct Section
        {
            public Section(ulong offset, uint info, ulong stringTableOffset)
            {
                Offset = offset;
                Info = info;
                StringTableOffset = stringTableOffset;
            }
            public ulong Offset { get; }
            public uint Info { get; }
            public ulong StringTableOffset { get; }
        }

        private static IEnumerable<Section> Sections(byte[] elf, uint type)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException("Not an ELF file.");
            if (elf[4] != 2 || elf[5] != 1)
                throw new InvalidDataException("Only 64-bit little-endian ELF files are handled.");
            var tableOffset = U64(elf, 0x28);
            var entrySize = U16(elf, 0x3A);
            var count = U16(elf, 0x3C);
            var result = new List<Section>();
            for (var i = 0; i < count; i++)
            {
                var header = (int)tableOffset + i * entrySize;
                if (U32(elf, header + 4) != type) continue;
                var strings = (int)tableOffset + (int)U32(elf, header + 40) * entrySize;
                result.Add(new Section(U64(elf, header + 24), U32(elf, header + 44), U64(elf, strings + 24)));
            }
            return result;
        }

        // Little-endian reads by hand: the MSBuild inline task compiles without System.Memory.
        private static ushort U16(byte[] b, int at) => (ushort)(b[at] | b[at + 1] << 8);
        private static uint U32(byte[] b, int at) => (uint)(U16(b, at) | U16(b, at + 2) << 16);
        private static ulong U64(byte[] b, int at) => U32(b, at) | (ulong)U32(b, at + 4) << 32;

        private static string ReadString(byte[] elf, ulong offset)
        {
            var start = (int)offset;
            var end = Array.IndexOf(elf, (byte)0, start);
            return Encoding.ASCII.GetString(elf, start, end - start);
        }
    }

#if !GLIBCXX_PATCH_NO_TASK
    /// <summary>The build step: patches every libLibTorchSharp.so under Directory when the system libstdc++ needs it.</summary>
    public sealed class PatchLibTorchSharp : Microsoft.Build.Utilities.Task
    {
        [Microsoft.Build.Framework.Required]
        public string Directory { get; set; } = "";

        public override bool Execute()
        {
            if (!System.IO.Directory.Exists(Directory)) return true;
            var libraries = System.IO.Directory.GetFiles(Directory, GlibcxxVersionPatch.LibraryFileName, SearchOption.AllDirectories);
            if (libraries.Length == 0) return true;
            var system = GlibcxxVersionPatch.FindSystemLibStdCxx();
            if (system is null || GlibcxxVersionPatch.DefinedVersions(File.ReadAllBytes(system)).Contains(GlibcxxVersionPatch.MissingVersion))
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low,
                    "The system libstdc++ provides {0} (or was not found); TorchSharp needs no patch.", GlibcxxVersionPatch.MissingVersion);
                return true;
            }
            foreach (var library in libraries)
            {
                if (GlibcxxVersionPatch.PatchFile(library) == GlibcxxVersionPatch.Outcome.Patched)
                    Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High,
                        "Marked the {0} need of {1} weak: {2} lacks that version (see README, 'TorchSharp on Debian 12').",
                        GlibcxxVersionPatch.MissingVersion, library, system);
            }
            return true;
        }
    }
#endif
}

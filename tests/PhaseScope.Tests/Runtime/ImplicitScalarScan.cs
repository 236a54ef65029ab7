using System.Collections.Immutable;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace PhaseScope.Tests.Runtime;

/// <summary>
/// Finds the methods of an assembly that convert a number to a TorchSharp Scalar implicitly: whose IL calls
/// <c>TorchSharp.Scalar::op_Implicit</c>, or a TorchSharp method that does so inside (such as
/// <c>Tensor.operator *(Tensor, double)</c>), found by scanning TorchSharp.dll itself to a fixed point. The Scalar of
/// such a conversion is left to the garbage collector, which may free it while libtorch still reads it
/// (docs/REPORTS.md, <c>KeptScalar</c>). Reads the files with System.Reflection.Metadata and decodes every method
/// body's opcodes (operand sizes from <see cref="OpCodes"/>), so a call is found wherever it is, lambdas and
/// compiler-generated classes included; TorchSharp methods are matched by declaring type, name and signature.
/// </summary>
static class ImplicitScalarScan
{
    static readonly Dictionary<short, OpCode> Codes = typeof(OpCodes).GetFields()
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(c => c.Value);

    static readonly Lazy<HashSet<string>> TorchSharpConverting = new(ScanTorchSharp);

    /// <summary>TorchSharp methods (type::name(signature)) that convert to Scalar implicitly, directly or through another.</summary>
    public static IReadOnlySet<string> ConvertingTorchSharpMethods => TorchSharpConverting.Value;

    /// <summary>"Type::Method → callee" for each call of the assembly at <paramref name="path"/> that makes such a conversion.</summary>
    public static IReadOnlyList<string> MethodsCallingImplicitScalar(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        var md = pe.GetMetadataReader();
        var found = new List<string>();
        foreach (var (type, method) in Methods(md))
            foreach (var callee in Callees(pe, md, method))
                if (callee.Kind == HandleKind.MemberReference && Key(md, callee) is { } key
                    && (IsOpImplicit(key) || TorchSharpConverting.Value.Contains(key)))
                    found.Add($"{TypeName(md, type)}::{md.GetString(method.Name)} → {key}");
        return found;
    }

    static HashSet<string> ScanTorchSharp()
    {
        var path = typeof(TorchSharp.Scalar).Assembly.Location;
        using var pe = new PEReader(File.OpenRead(path));
        var md = pe.GetMetadataReader();
        var calls = new Dictionary<string, List<string>>();
        foreach (var (type, method) in Methods(md))
        {
            var key = $"{TypeName(md, type)}::{md.GetString(method.Name)}{Signature(method.DecodeSignature(Names.Instance, null))}";
            calls[key] = Callees(pe, md, method).Select(c => Key(md, c)).OfType<string>().ToList();
        }
        var converting = calls.Where(kv => kv.Value.Any(IsOpImplicit)).Select(kv => kv.Key).ToHashSet();
        for (bool grew = true; grew;)
        {
            grew = false;
            foreach (var (key, callees) in calls)
                if (!converting.Contains(key) && callees.Any(converting.Contains)) { converting.Add(key); grew = true; }
        }
        return converting;
    }

    static bool IsOpImplicit(string key) => key.StartsWith("TorchSharp.Scalar::op_Implicit(", StringComparison.Ordinal);

    static IEnumerable<(TypeDefinition, MethodDefinition)> Methods(MetadataReader md)
    {
        foreach (var typeHandle in md.TypeDefinitions)
        {
            var type = md.GetTypeDefinition(typeHandle);
            foreach (var methodHandle in type.GetMethods())
                yield return (type, md.GetMethodDefinition(methodHandle));
        }
    }

    static List<EntityHandle> Callees(PEReader pe, MetadataReader md, MethodDefinition method)
    {
        var callees = new List<EntityHandle>();
        if (method.RelativeVirtualAddress == 0) return callees;
        var il = pe.GetMethodBody(method.RelativeVirtualAddress).GetILReader();
        while (il.RemainingBytes > 0)
        {
            short value = il.ReadByte();
            if (value == 0xFE) value = unchecked((short)(0xFE00 | il.ReadByte()));
            if (!Codes.TryGetValue(value, out var code)) throw new InvalidDataException($"unknown IL opcode 0x{value:X}");
            switch (code.OperandType)
            {
                case OperandType.InlineNone: break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar: il.ReadByte(); break;
                case OperandType.InlineVar: il.ReadInt16(); break;
                case OperandType.InlineI8 or OperandType.InlineR: il.ReadInt64(); break;
                case OperandType.ShortInlineR: il.ReadSingle(); break;
                case OperandType.InlineSwitch:
                    int n = il.ReadInt32();
                    for (int i = 0; i < n; i++) il.ReadInt32();
                    break;
                case OperandType.InlineMethod:
                    var handle = MetadataTokens.EntityHandle(il.ReadInt32());
                    if (code == OpCodes.Call || code == OpCodes.Callvirt || code == OpCodes.Newobj || code == OpCodes.Ldftn)
                        callees.Add(handle.Kind == HandleKind.MethodSpecification ? md.GetMethodSpecification((MethodSpecificationHandle)handle).Method : handle);
                    break;
                default: il.ReadInt32(); break; // tokens, 32-bit branch targets and integers
            }
        }
        return callees;
    }

    /// <summary>"Namespace.Type::name(parameter types)" of a method definition or reference.</summary>
    static string? Key(MetadataReader md, EntityHandle handle)
    {
        switch (handle.Kind)
        {
            case HandleKind.MethodDefinition:
                var def = md.GetMethodDefinition((MethodDefinitionHandle)handle);
                return $"{TypeName(md, md.GetTypeDefinition(def.GetDeclaringType()))}::{md.GetString(def.Name)}{Signature(def.DecodeSignature(Names.Instance, null))}";
            case HandleKind.MemberReference:
                var member = md.GetMemberReference((MemberReferenceHandle)handle);
                if (member.GetKind() != MemberReferenceKind.Method) return null;
                string? parent = member.Parent.Kind switch
                {
                    HandleKind.TypeReference => Names.Instance.GetTypeFromReference(md, (TypeReferenceHandle)member.Parent, 0),
                    HandleKind.TypeDefinition => Names.Instance.GetTypeFromDefinition(md, (TypeDefinitionHandle)member.Parent, 0),
                    HandleKind.TypeSpecification => md.GetTypeSpecification((TypeSpecificationHandle)member.Parent).DecodeSignature(Names.Instance, null),
                    _ => null,
                };
                if (parent is null) return null;
                int generic = parent.IndexOf('<');
                return $"{(generic < 0 ? parent : parent[..generic])}::{md.GetString(member.Name)}{Signature(member.DecodeMethodSignature(Names.Instance, null))}";
            default:
                return null;
        }
    }

    static string Signature(MethodSignature<string> s) => $"({string.Join(",", s.ParameterTypes)})";

    static string TypeName(MetadataReader md, TypeDefinition type)
    {
        var name = md.GetString(type.Name);
        var declaring = type.GetDeclaringType();
        return declaring.IsNil ? Qualified(md.GetString(type.Namespace), name) : $"{TypeName(md, md.GetTypeDefinition(declaring))}+{name}";
    }

    static string Qualified(string ns, string name) => ns.Length == 0 ? name : $"{ns}.{name}";

    /// <summary>Type names as strings, the same for a definition in TorchSharp.dll and a reference to it elsewhere.</summary>
    sealed class Names : ISignatureTypeProvider<string, object?>
    {
        public static readonly Names Instance = new();
        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();
        public string GetTypeFromDefinition(MetadataReader md, TypeDefinitionHandle handle, byte rawTypeKind) => TypeName(md, md.GetTypeDefinition(handle));
        public string GetTypeFromReference(MetadataReader md, TypeReferenceHandle handle, byte rawTypeKind)
        {
            var r = md.GetTypeReference(handle);
            var name = md.GetString(r.Name);
            return r.ResolutionScope.Kind == HandleKind.TypeReference
                ? $"{GetTypeFromReference(md, (TypeReferenceHandle)r.ResolutionScope, rawTypeKind)}+{name}"
                : Qualified(md.GetString(r.Namespace), name);
        }
        public string GetTypeFromSpecification(MetadataReader md, object? context, TypeSpecificationHandle handle, byte rawTypeKind)
            => md.GetTypeSpecification(handle).DecodeSignature(this, context);
        public string GetSZArrayType(string elementType) => elementType + "[]";
        public string GetArrayType(string elementType, ArrayShape shape) => $"{elementType}[{new string(',', shape.Rank - 1)}]";
        public string GetByReferenceType(string elementType) => elementType + "&";
        public string GetPointerType(string elementType) => elementType + "*";
        public string GetPinnedType(string elementType) => elementType;
        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => $"{genericType}<{string.Join(",", typeArguments)}>";
        public string GetGenericMethodParameter(object? context, int index) => $"!!{index}";
        public string GetGenericTypeParameter(object? context, int index) => $"!{index}";
        public string GetFunctionPointerType(MethodSignature<string> signature) => "fnptr";
        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;
        public string GetTypeFromSerializedName(string name) => name;
        public string GetSystemType() => "System.Type";
        public bool IsSystemType(string type) => type == "System.Type";
        public PrimitiveTypeCode GetUnderlyingEnumType(string type) => PrimitiveTypeCode.Int32;
    }
}

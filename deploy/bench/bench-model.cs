#:project ../../src/ColorVariants.Inference/ColorVariants.Inference.csproj
// Prepares the ONNX model side-by-side.sh serves synthetic vectors with: the default model's
// ImageNet ResNet18 with the plain descriptor (average pooling of the last stage, 512
// dimensions) at 224 px, named resnet18-imagenet-gray-bench512. The API only needs its
// dimension and its hash: the bench inserts the vectors itself and the API never embeds one.
//
//   dotnet run deploy/bench/bench-model.cs -- OUTPUT.onnx
using ColorVariants.Core.Images;
using ColorVariants.Core.Models;
using ColorVariants.Inference.Models;

if (args.Length != 1) { Console.Error.WriteLine("usage: dotnet run bench-model.cs -- OUTPUT.onnx"); return 2; }
var path = DefaultModel.EnsurePrepared(Path.GetFullPath(args[0]), ColourMode.Gray, 224, DescriptorOptions.Plain with { NameSuffix = "-bench512" });
Console.WriteLine(path);
return 0;

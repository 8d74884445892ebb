// libFuzzer target: any bytes through format detection and each importer
// (compose, Kubernetes, Akash SDL). Must never crash, hang or leak; every pod an
// importer returns must survive the manifest writer and reader unchanged.
#include "manifest/importer.h"
#include "manifest/manifestcodec.h"

#include <QByteArray>

#include <cstdint>
#include <cstdlib>

using namespace berth::manifest;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArray text(reinterpret_cast<const char *>(data), qsizetype(size));
    for (const auto format :
         {std::optional<SourceFormat>(), std::optional(SourceFormat::Compose),
          std::optional(SourceFormat::Kubernetes), std::optional(SourceFormat::Akash)}) {
        const ImportResult imported = importManifest(text, format);
        if (!imported.pod)
            continue;
        const QByteArray yaml = writeManifest(*imported.pod, ManifestFormat::Yaml);
        const ParseResult again = parseManifest(yaml);
        if (!again.ok() || !(again.pod == *imported.pod))
            std::abort(); // the importer produced a pod the codec cannot carry
    }
    return 0;
}

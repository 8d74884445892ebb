// libFuzzer target: any bytes through the manifest codecs (YAML and JSON),
// validation, and the writers. Must never crash, hang or leak; a pod that reads
// without errors must round-trip through both writers unchanged.
#include "manifest/manifestcodec.h"

#include <QByteArray>

#include <cstdint>
#include <cstdlib>

using namespace berth::manifest;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArray text(reinterpret_cast<const char *>(data), qsizetype(size));
    const ParseResult yaml = loadManifest(text);
    (void)parseManifest(text, ManifestFormat::Json);
    if (yaml.ok()) {
        for (const auto format : {ManifestFormat::Yaml, ManifestFormat::Json}) {
            const ParseResult again = parseManifest(writeManifest(yaml.pod, format));
            if (!again.ok() || !(again.pod == yaml.pod))
                std::abort(); // a lossy round trip is a bug
        }
    }
    return 0;
}

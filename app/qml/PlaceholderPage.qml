import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// A page that is not built yet: its title and one sentence on what arrives there.
// Children declared inside it fill the space below the sentence.
Pane {
  id: page

  required property string title
  required property string description
  default property alias content: contentArea.data

  padding: 24

  ColumnLayout {
    anchors.fill: parent
    spacing: 12

    Label {
      text: page.title
      font.pixelSize: 24
      Layout.fillWidth: true
    }

    Label {
      objectName: "description"
      text: page.description
      wrapMode: Label.WordWrap
      Layout.fillWidth: true
    }

    Item {
      id: contentArea

      Layout.fillWidth: true
      Layout.fillHeight: true
    }
  }
}

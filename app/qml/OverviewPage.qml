// The provider's overview. The console arrives later; its utilisation chart is already here, empty.
PlaceholderPage {
  title: qsTr("Overview")
  description: qsTr("Your machine's capacity, utilisation, running pods and earnings will appear here once the provider console arrives; it is not available yet.")

  UtilisationChart {
    anchors.fill: parent
  }
}

import QtQuick
import QtTest
import Berth.App

// The dashboard shell in Main.qml: window, navigation, pages, header, chart.
TestCase {
  id: testCase

  name: "Main"
  when: windowShown

  readonly property var pageTitles: ["Overview", "Composer", "Marketplace", "Deployments", "Wallet"]
  readonly property var pageNames: ["overviewPage", "composerPage", "marketplacePage", "deploymentsPage", "walletPage"]

  Component {
    id: mainComponent

    Main {}
  }

  function createWindow() {
    const window = createTemporaryObject(mainComponent, testCase);
    verify(window, "Main.qml creates its window");
    tryCompare(window, "visible", true);
    waitForRendering(window.contentItem);
    return window;
  }

  function navigationOf(window) {
    const navigation = findChild(window.contentItem, "navigation");
    verify(navigation, "the window has a side navigation");
    return navigation;
  }

  function pagesOf(window) {
    const pages = findChild(window.contentItem, "pages");
    verify(pages, "the window has a page stack");
    return pages;
  }

  function test_window() {
    const window = createWindow();
    compare(window.title, "Berth");
    compare(window.width, 1100);
    compare(window.height, 720);
  }

  function test_navigationListsPages() {
    const window = createWindow();
    const navigation = navigationOf(window);
    compare(navigation.count, pageTitles.length);
    for (let i = 0; i < pageTitles.length; ++i) {
      const item = navigation.itemAtIndex(i);
      verify(item, "navigation entry " + i + " exists");
      compare(item.text, pageTitles[i]);
      compare(item.visible, true);
    }
    compare(navigation.model.get(0).group, "Provider");
    for (let i = 1; i < pageTitles.length; ++i)
      compare(navigation.model.get(i).group, "Publisher");
  }

  function test_pagesMatchNavigation() {
    const window = createWindow();
    const pages = pagesOf(window);
    compare(pages.count, pageTitles.length);
    for (let i = 0; i < pageNames.length; ++i) {
      compare(pages.children[i].objectName, pageNames[i]);
      compare(pages.children[i].title, pageTitles[i]);
    }
    compare(pages.currentIndex, 0, "the dashboard opens on the provider's overview");
    compare(navigationOf(window).currentIndex, 0);
  }

  function test_clickingNavigationSwitchesPage() {
    const window = createWindow();
    const navigation = navigationOf(window);
    const pages = pagesOf(window);
    for (const i of [3, 1, 4, 2, 0]) {
      mouseClick(navigation.itemAtIndex(i));
      compare(navigation.currentIndex, i);
      compare(pages.currentIndex, i);
      compare(pages.children[i].visible, true);
      for (let other = 0; other < pages.count; ++other) {
        if (other !== i)
          compare(pages.children[other].visible, false, "only the selected page shows");
      }
      verify(navigation.itemAtIndex(i).highlighted, "the selected entry is highlighted");
    }
  }

  function test_keyboardSwitchesPage() {
    const window = createWindow();
    const navigation = navigationOf(window);
    const pages = pagesOf(window);
    navigation.forceActiveFocus();
    keyClick(Qt.Key_Down);
    compare(pages.currentIndex, 1);
    keyClick(Qt.Key_Down);
    compare(pages.currentIndex, 2);
    keyClick(Qt.Key_Up);
    compare(pages.currentIndex, 1);
  }

  function test_unbuiltPagesSaySo() {
    const window = createWindow();
    const pages = pagesOf(window);
    for (let i = 0; i < pages.count; ++i) {
      const description = findChild(pages.children[i], "description");
      verify(description, pageNames[i] + " has a description");
      verify(description.text.indexOf("not available yet") !== -1,
             pageNames[i] + " says it is not available yet: " + description.text);
    }
  }

  function test_headerShowsVersion() {
    const window = createWindow();
    const label = findChild(window.header, "versionLabel");
    verify(label, "the header has a version label");
    compare(AppInfo.version, expectedVersion);
    compare(AppInfo.applicationName, "Berth");
    compare(label.text, "Berth " + expectedVersion);
  }

  function test_overviewHasEmptyUtilisationChart() {
    const window = createWindow();
    const chart = findChild(window.contentItem, "utilisationChart");
    verify(chart, "the overview has a utilisation chart");
    compare(chart.count, 2);
    const cpu = chart.series(0);
    compare(cpu.name, "CPU");
    compare(cpu.count, 0, "no data until the provider console feeds it");
    compare(chart.series(1).name, "Memory");
    const percent = chart.axisY(cpu);
    compare(percent.min, 0);
    compare(percent.max, 100);
    const minutes = chart.axisX(cpu);
    compare(minutes.min, 0);
    compare(minutes.max, 60);
    verify(chart.width > 0 && chart.height > 0, "the chart is laid out");
  }
}

//! The shell through the real window: the sidebar and the three panes, what each shows before
//! any account exists, and the ready signal and log file the app leaves behind.

use test_support::app_under_test;

#[tokio::test]
async fn the_shell_shows_the_sidebar_and_three_panes() {
    let app = app_under_test!()
        .homeserver("http://127.0.0.1:8448")
        .launch()
        .await;

    assert_eq!(
        app.client.title().await.expect("title"),
        "Element Accounts",
        "the window's document is the app's UI, not a blank page"
    );
    let sidebar = app.text_of("account-list").await;
    assert!(sidebar.contains("No accounts yet"), "sidebar: {sidebar}");

    let ems = app.text_of("pane-ems").await;
    assert!(
        ems.contains("EMS account"),
        "the EMS pane opens first: {ems}"
    );
    assert_eq!(
        app.value_of("ems-server").await,
        "http://127.0.0.1:8480/",
        "with no EMS server passed, the field offers the local sandbox's address"
    );

    app.click("nav-matrix").await;
    let matrix = app.text_of("pane-matrix").await;
    assert!(matrix.contains("Matrix accounts"), "matrix pane: {matrix}");
    assert_eq!(
        app.value_of("matrix-homeserver").await,
        "http://127.0.0.1:8448",
        "with no account yet, the sign-in field is prefilled with the homeserver the app was pointed at"
    );
    assert_eq!(app.count("pane-ems").await, 0, "one pane at a time");

    app.click("nav-seats").await;
    let seats = app.text_of("pane-seats").await;
    assert!(
        seats.contains("hosted homeserver"),
        "the Seats pane explains itself: {seats}"
    );

    assert_eq!(app.count("error").await, 0, "a fresh start shows no error");

    let footer = app.text_of("app-footer").await;
    let data_dir = app.data_dir();
    assert!(
        footer.contains(&data_dir.display().to_string()),
        "the footer names this instance's data directory {}: {footer}",
        data_dir.display()
    );
    let log = std::fs::read_to_string(data_dir.join("logs/element-accounts.log"))
        .expect("the app logs to a file in its log directory");
    assert!(
        log.contains("the front end has rendered the shell"),
        "the ready signal is logged: {log}"
    );
    app.close().await;
}

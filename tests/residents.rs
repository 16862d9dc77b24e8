//! ASUKASLKM2 answers from dwelling residency: everyone registered in the person's dwelling
//! and, among them, those under 18 today with their identity codes.

use vtj_emulator::config::Settings;

use crate::util::*;

#[tokio::test]
async fn asukaslkm2_counts_the_residents_of_the_persons_dwelling() {
    let dir = tempfile::tempdir().unwrap();
    let text = vtj_emulator::config::DEFAULT_CONFIG.replace(
        "products = [\"PERUSSANOMA 3\"]",
        "products = [\"PERUSSANOMA 3\", \"ASUKASLKM2\"]",
    );
    let mut settings = Settings::from_toml(&text, "r.toml", None).unwrap();
    settings.data_dir = dir.path().join("data");
    let server = TestServer::start_with(settings, dir).await;
    let ask = |hetu: &'static str| {
        let client = server.client();
        async move {
            let r = client
                .soso("TeeHenkilonTunnusKysely", &person_query("ASUKASLKM2", hetu))
                .await;
            vastaus(&r, "TeeHenkilonTunnusKysely")
        }
    };
    // The family of dwelling 90000009871A001: two parents and five children born 2012-2024.
    let doc = ask("170984-977D").await;
    let h = doc.child(VTJ_NS, "Henkilo").unwrap();
    assert_eq!(h.child(VTJ_NS, "AsukasLkm").unwrap().text, "7");
    let under = h.child(VTJ_NS, "AsukkaatAlle18v").unwrap();
    assert_eq!(under.child(VTJ_NS, "AsukasLkm").unwrap().text, "5");
    let mut minors: Vec<_> = h
        .children
        .iter()
        .filter(|c| c.name == "AsukasAlle18v")
        .map(|c| c.child(VTJ_NS, "Henkilotunnus").unwrap().text.clone())
        .collect();
    minors.sort();
    assert_eq!(
        minors,
        [
            "010123E915W",
            "150615B942S",
            "220312C931R",
            "290224F906R",
            "311222D9245"
        ]
    );

    // The dwelling of the captured response: four residents, none under 18 any more.
    let doc = ask("020501A999T").await;
    let h = doc.child(VTJ_NS, "Henkilo").unwrap();
    assert_eq!(h.child(VTJ_NS, "AsukasLkm").unwrap().text, "4");
    let under = h.child(VTJ_NS, "AsukkaatAlle18v").unwrap();
    assert_eq!(under.child(VTJ_NS, "AsukasLkm").unwrap().text, "0");
    server.stop().await;
}

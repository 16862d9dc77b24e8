// node-soap against vtj-emulator: loads both served WSDLs over mutual TLS and calls the
// person query on the direct interface and on the X-Road interface. Prints one JSON object
// with the values it parsed; tests/interop.rs checks them.
//
// usage: node soap_client.js BASE_URL CA_PEM CLIENT_PEM CLIENT_KEY_PEM HETU
'use strict';

const fs = require('fs');
const https = require('https');
const soap = require('soap');

const [base, caFile, certFile, keyFile, hetu] = process.argv.slice(2);
const agent = new https.Agent({
  ca: fs.readFileSync(caFile),
  cert: fs.readFileSync(certFile),
  key: fs.readFileSync(keyFile),
});
const options = { wsdl_options: { httpsAgent: agent } };

// The VTJ document as node-soap parses xs:any content: an object tree with attributes
// under `attributes` and text under `$value` where an element has both.
function summary(doc) {
  const pk = doc.Paluukoodi;
  const out = {
    koodi: pk.attributes.koodi,
    teksti: pk.$value,
  };
  const h = doc.Henkilo;
  if (h) {
    const hetuEl = h.Henkilotunnus;
    out.henkilotunnus = typeof hetuEl === 'object' ? hetuEl.$value : hetuEl;
    out.sukunimi = h.NykyinenSukunimi.Sukunimi;
    out.etunimet = h.NykyisetEtunimet.Etunimet;
  }
  return out;
}

function find(node, name) {
  if (!node || typeof node !== 'object') return undefined;
  if (node[name]) return node[name];
  for (const v of Object.values(node)) {
    const f = find(v, name);
    if (f) return f;
  }
  return undefined;
}

async function main() {
  const params = {
    SoSoNimi: 'PERUSSANOMA 3',
    Kayttajatunnus: 'demo',
    Salasana: 'demo',
    Loppukayttaja: 'node-soap-interop',
    Henkilotunnus: hetu,
  };
  const result = {};

  const direct = await soap.createClientAsync(`${base}/sosowebsite/soso.asmx?wsdl`, options);
  direct.setSecurity(new soap.ClientSSLSecurity(keyFile, certFile, caFile));
  const [answer] = await direct.TeeHenkilonTunnusKyselyAsync(params);
  if (process.env.VTJ_INTEROP_DEBUG) console.error(JSON.stringify(answer));
  result.direct11 = summary(find(answer, 'VTJHenkiloVastaussanoma'));

  const xroad = await soap.createClientAsync(
    `${base}/SoSoAdapterWebSite/SoSoAdapterService60.svc?wsdl`, options);
  xroad.setSecurity(new soap.ClientSSLSecurity(keyFile, certFile, caFile));
  const ns = 'xmlns:xrd="http://x-road.eu/xsd/xroad.xsd" xmlns:id="http://x-road.eu/xsd/identifiers"';
  xroad.addSoapHeader(
    `<xrd:client ${ns} id:objectType="SUBSYSTEM"><id:xRoadInstance>FI-TEST</id:xRoadInstance>` +
    '<id:memberClass>MUN</id:memberClass><id:memberCode>0101263-6</id:memberCode>' +
    '<id:subsystemCode>evaka-test</id:subsystemCode></xrd:client>');
  xroad.addSoapHeader(
    `<xrd:service ${ns} id:objectType="SERVICE"><id:xRoadInstance>FI-TEST</id:xRoadInstance>` +
    '<id:memberClass>GOV</id:memberClass><id:memberCode>0245437-2</id:memberCode>' +
    '<id:subsystemCode>VTJkysely</id:subsystemCode><id:serviceCode>HenkilonTunnusKysely</id:serviceCode>' +
    '<id:serviceVersion>v1</id:serviceVersion></xrd:service>');
  xroad.addSoapHeader(`<xrd:id ${ns}>node-soap-1</xrd:id>`);
  xroad.addSoapHeader(`<xrd:userId ${ns}>node-user</xrd:userId>`);
  xroad.addSoapHeader(`<xrd:protocolVersion ${ns}>4.0</xrd:protocolVersion>`);
  const [xanswer, , soapHeader] = await xroad.HenkilonTunnusKyselyAsync({ request: params });
  result.xroad = summary(find(xanswer.response, 'VTJHenkiloVastaussanoma'));
  result.xroad.echo_loppukayttaja = xanswer.request.Loppukayttaja;
  result.xroad.echo_salasana = xanswer.request.Salasana === undefined ? null : xanswer.request.Salasana;
  const hash = soapHeader && soapHeader.requestHash;
  if (hash) result.xroad.request_hash = typeof hash === 'object' ? hash.$value : hash;
  console.log(JSON.stringify(result));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});

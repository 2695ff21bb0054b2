// Starts GraphiQL against this server's /graphql. It lives in a file of its
// own, not in the page, so that the page runs under a Content-Security-Policy
// that allows no inline script.
(function () {
  'use strict';
  var defaultQuery = [
    '# Kabinet GraphQL IDE.',
    '#',
    '# Most fields need a token. Open "Headers" below and paste, e.g.:',
    '#   {"Authorization": "Bearer kbn_…"}',
    '# (an organisation API key, an employee access token, or the',
    '# operator token). Each field\'s documentation (the book icon on the',
    '# left) ends with the token it requires. Headers are not stored.',
    '',
    'query Organization {',
    '  organization {',
    '    name',
    '    timezone',
    '  }',
    '}',
    ''
  ].join('\n');
  var fetcher = GraphiQL.createFetcher({ url: new URL('/graphql', window.location.href).href });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultQuery: defaultQuery,
    defaultEditorToolsVisibility: 'headers',
    shouldPersistHeaders: false
  }));
})();
